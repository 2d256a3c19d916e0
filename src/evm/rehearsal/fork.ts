/**
 * A private fork of a live chain at a pinned block, on which a rehearsal may do anything: the
 * in-process Hardhat network (EDR) or a real anvil started and stopped here. Nothing is ever
 * sent to the forked chain; it is only read from.
 */
import { ethers, type Eip1193Provider, type Provider, type Signer } from "ethers";
import { isAegisError } from "../../core/errors";
import { redactString, safeUrl } from "../../core/redaction";
import { ForkUrlUnreachableError } from "../errors";
import { startAnvil } from "./anvil-process";
import {
  httpEndpointOf,
  probeChainId,
  rpcClient,
  type HttpEndpoint,
  type RpcRequester,
} from "../chain/rpc";

/** Which node forks the chain. */
export type ForkEngine = "hardhat" | "anvil";

/** A running fork. */
export interface Fork {
  engine: ForkEngine;
  chainId: number;
  /** The forked chain's block the fork starts from. */
  forkBlock: number;
  provider: Provider;
  /** For bulk storage reads: an HTTP URL (anvil) or the in-process provider. */
  endpoint: string | RpcRequester;
  /** Makes `address` a signer on the fork, with enough ether for gas. */
  impersonate(address: string): Promise<Signer>;
  /** Mines `blocks` empty blocks. */
  mine(blocks: number): Promise<void>;
  /** Mines one block at `timestamp` (seconds): the fork's clock jumps, as past a timelock's delay. */
  mineAt(timestamp: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * How to make the in-process Hardhat network fork a URL (the task wires Hardhat's runtime): the
 * URL without its user info, which travels in `headers` (an Authorization header) instead.
 */
export type InProcessForkFactory = (
  forked: HttpEndpoint,
  forkBlock: number,
  chainId: number,
) => Promise<Eip1193Provider & RpcRequester>;

/** What a fork needs. */
export interface StartForkParams {
  engine: ForkEngine;
  forkUrl: string;
  /** Default: the forked chain's latest block, read once. */
  forkBlock?: number;
  /** Required for the hardhat engine. */
  inProcess?: InProcessForkFactory;
  /** A free port for anvil. */
  anvilPort?: number;
}

const HUNDRED_ETHER = ethers.toQuantity(ethers.parseEther("100"));

/**
 * A fork's handle: both engines speak the same impersonation and mining methods, under their own
 * prefix (`anvil_`, `hardhat_`).
 */
function forkHandle(
  engine: ForkEngine,
  base: { chainId: number; forkBlock: number; endpoint: Fork["endpoint"] },
  provider: ethers.JsonRpcApiProvider,
  stopNode: () => Promise<void>,
): Fork {
  return {
    engine,
    ...base,
    provider,
    async impersonate(address) {
      await provider.send(`${engine}_impersonateAccount`, [address]);
      await provider.send(`${engine}_setBalance`, [address, HUNDRED_ETHER]);
      return provider.getSigner(address);
    },
    async mine(blocks) {
      await provider.send(`${engine}_mine`, [ethers.toQuantity(blocks)]);
    },
    async mineAt(timestamp) {
      // Both engines take the standard name.
      await provider.send("evm_setNextBlockTimestamp", [ethers.toQuantity(timestamp)]);
      await provider.send(`${engine}_mine`, [ethers.toQuantity(1)]);
    },
    async stop() {
      provider.destroy();
      await stopNode();
    },
  };
}

/**
 * Starts a fork of `forkUrl` at a pinned block. Throws AEGIS-E339 when the fork URL does not
 * answer; the URL is never shown but as safeUrl gives it, whatever fails later.
 */
export async function startFork(params: StartForkParams): Promise<Fork> {
  const forked = rpcClient(params.forkUrl);
  const endpoint = httpEndpointOf(params.forkUrl);
  let chainId: number;
  let forkBlock: number;
  try {
    chainId = await probeChainId(forked);
    forkBlock =
      params.forkBlock ?? Number(BigInt((await forked.send("eth_blockNumber", [])) as string));
  } catch (error) {
    throw new ForkUrlUnreachableError(safeUrl(params.forkUrl), (error as Error).message);
  }
  try {
    return await startEngine(params, endpoint, chainId, forkBlock);
  } catch (error) {
    // A node that fails to fork may quote the URL it was given (anvil prints it): make it safe.
    if (isAegisError(error)) throw error;
    throw new Error(redactString(error instanceof Error ? error.message : String(error)), {
      cause: error,
    });
  }
}

async function startEngine(
  params: StartForkParams,
  endpoint: HttpEndpoint,
  chainId: number,
  forkBlock: number,
): Promise<Fork> {
  if (params.engine === "anvil") {
    if (params.anvilPort === undefined) throw new Error("an anvil fork needs a free port");
    const headers = Object.entries(endpoint.headers).flatMap(([name, value]) => [
      "--fork-header",
      `${name}: ${value}`,
    ]);
    const anvil = await startAnvil(params.anvilPort, [
      "--fork-url",
      endpoint.url,
      ...headers,
      "--fork-block-number",
      String(forkBlock),
      "--chain-id",
      String(chainId),
    ]);
    const provider = new ethers.JsonRpcProvider(anvil.url, chainId, {
      staticNetwork: true,
      // Every step pins its own block: a cached block number would pin the wrong one.
      cacheTimeout: -1,
    });
    return forkHandle("anvil", { chainId, forkBlock, endpoint: anvil.url }, provider, () =>
      anvil.stop(),
    );
  }

  if (params.inProcess === undefined)
    throw new Error("a hardhat fork needs the in-process factory");
  const eip1193 = await params.inProcess(endpoint, forkBlock, chainId);
  // EDR cannot execute at the fork block itself ("No known hardfork ... on historical block"):
  // one mined block puts every call after it.
  await eip1193.request({ method: "evm_mine", params: [] });
  const provider = new ethers.BrowserProvider(eip1193, chainId, { cacheTimeout: -1 });
  return forkHandle(
    "hardhat",
    { chainId, forkBlock, endpoint: eip1193 },
    provider,
    async () => undefined,
  );
}
