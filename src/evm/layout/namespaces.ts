/**
 * ERC-7201 namespaces in source: every struct annotated `@custom:storage-location erc7201:<id>`,
 * its base slot recomputed from the formula, and the bytes32 slot constants declared beside it
 * (the ones the code really uses), read from the compiler's AST.
 */
import { erc7201Slot, slotHex } from "../storage/storage-slots";

/** One annotated namespace as the source declares it. */
export interface NamespaceDeclaration {
  contract: string;
  /** `erc7201:<id>`, as OpenZeppelin's layout keys it. */
  namespace: string;
  /** The base slot from the formula. */
  computed: string;
  /** bytes32 constants with a literal value declared in the same contract. */
  constants: { name: string; value: string }[];
  /** `match` when a constant equals the computed slot, `mismatch` when constants exist but none does. */
  status: "match" | "mismatch" | "no-constant";
}

/** The part of a compiler output this module reads. */
export interface AstSources {
  sources: Record<string, { ast?: unknown }>;
}

interface AstNode {
  nodeType?: string;
  id?: number;
  name?: string;
  nodes?: AstNode[];
  linearizedBaseContracts?: number[];
  documentation?: { text?: string } | string | null;
  constant?: boolean;
  typeDescriptions?: { typeString?: string };
  value?: { nodeType?: string; value?: string; hexValue?: string } | null;
}

/** The namespaces declared by `contractName` and every contract it inherits from. */
export function findNamespaceDeclarations(
  output: AstSources,
  contractName: string,
): NamespaceDeclaration[] {
  const contracts: AstNode[] = [];
  for (const source of Object.values(output.sources)) {
    for (const node of (source.ast as AstNode | undefined)?.nodes ?? []) {
      if (node.nodeType === "ContractDefinition") contracts.push(node);
    }
  }
  const target = contracts.find((contract) => contract.name === contractName);
  if (target === undefined) return [];
  const lineage = new Set(target.linearizedBaseContracts ?? [target.id]);
  const declarations: NamespaceDeclaration[] = [];
  for (const contract of contracts) {
    if (contract.id === undefined || !lineage.has(contract.id)) continue;
    const constants = (contract.nodes ?? [])
      .filter(
        (node) =>
          node.nodeType === "VariableDeclaration" &&
          node.constant === true &&
          node.typeDescriptions?.typeString === "bytes32" &&
          node.value?.nodeType === "Literal" &&
          /^0x[0-9a-fA-F]{64}$/.test(node.value.value ?? ""),
      )
      .map((node) => ({ name: node.name ?? "", value: node.value!.value!.toLowerCase() }));
    for (const node of contract.nodes ?? []) {
      if (node.nodeType !== "StructDefinition") continue;
      const text =
        typeof node.documentation === "string" ? node.documentation : node.documentation?.text;
      const match = /@custom:storage-location\s+erc7201:(\S+)/.exec(text ?? "");
      if (!match) continue;
      const computed = slotHex(erc7201Slot(match[1]!));
      declarations.push({
        contract: contract.name ?? "",
        namespace: `erc7201:${match[1]}`,
        computed,
        constants,
        status:
          constants.length === 0
            ? "no-constant"
            : constants.some((constant) => constant.value === computed)
              ? "match"
              : "mismatch",
      });
    }
  }
  return declarations;
}
