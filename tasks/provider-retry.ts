import { extendProvider } from "hardhat/config";
import { ProviderWrapper } from "hardhat/plugins";
import type { EIP1193Provider, RequestArguments } from "hardhat/types";
import { withTransportRetry } from "../src/evm/chain/transport-retry";

/** Every network's provider asks a read again when the connection dropped under it. */
class TransportRetryProvider extends ProviderWrapper {
  constructor(wrapped: EIP1193Provider) {
    super(wrapped);
  }

  request(args: RequestArguments): Promise<unknown> {
    return withTransportRetry(args.method, () => this._wrappedProvider.request(args));
  }
}

extendProvider(async (provider) => new TransportRetryProvider(provider));
