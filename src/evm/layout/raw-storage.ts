/**
 * Raw storage access found in the compiler's AST for every contract in a contract's inheritance:
 * inline assembly `sstore`/`sload` and `.slot :=` assignments, and `StorageSlot.get*Slot(slot)`
 * calls, each with its slot computed when constants decide it. The standard ERC-7201 accessor
 * (`$.slot :=` on a struct annotated `@custom:storage-location`) is the namespace's own access
 * and is left to the namespace check (LAYOUT-009). Libraries a contract calls are not in its
 * inheritance and are not scanned.
 */
import {
  AstIndex,
  evaluateSolidity,
  evaluateYul,
  type AstNode,
  type YulScope,
} from "./constant-slots";

/** One raw access to storage. */
export interface RawAccess {
  /** The contract whose code holds it. */
  contract: string;
  /** `sstore`, `sload`, `.slot :=`, or the StorageSlot function (`getAddressSlot`). */
  operation: string;
  /** The slot, when constants decide it. */
  slot?: bigint;
  /** The constant that names the slot (`Contract.NAME`), when one does. */
  constant?: string;
  /** Why the slot cannot be computed, when it cannot. */
  reason?: string;
  /** `file:line` of the access. */
  location: string;
}

/** The part of a Hardhat build-info file this reads. */
export interface BuildInfoSources {
  input: { sources: Record<string, { content?: string }> };
  output: { sources: Record<string, { id?: number; ast?: unknown }> };
}

const STORAGE_SLOT_GETTER = /^get\w*Slot$/;

/** Raw storage accesses of `contractName` and every contract it inherits from. */
export function findRawStorageAccesses(build: BuildInfoSources, contractName: string): RawAccess[] {
  const sources = Object.entries(build.output.sources);
  const index = new AstIndex(sources.map(([, source]) => source.ast));
  const files = new Map(sources.map(([name, source]) => [source.id, name]));
  const locate = (src: string | undefined) => {
    const [start, , file] = (src ?? "0:0:-1").split(":").map(Number) as [number, number, number];
    const name = files.get(file) ?? "?";
    const content = build.input.sources[name]?.content ?? "";
    return `${name}:${content.slice(0, start).split("\n").length}`;
  };

  const contracts = [...index.byId.values()].filter(
    (node) => node.nodeType === "ContractDefinition",
  );
  const target = contracts.find((contract) => contract.name === contractName);
  if (target === undefined) return [];
  const lineage = (target.linearizedBaseContracts as number[] | undefined) ?? [target.id!];
  const accesses: RawAccess[] = [];

  const record = (
    contract: string,
    operation: string,
    src: string | undefined,
    evaluated: ReturnType<typeof evaluateSolidity>,
  ) => {
    accesses.push({
      contract,
      operation,
      location: locate(src),
      ...(evaluated.value !== undefined
        ? {
            slot: evaluated.value,
            ...(evaluated.constant ? { constant: evaluated.constant } : {}),
          }
        : { reason: evaluated.reason }),
    });
  };

  const isNamespacedPointer = (declarationId: number) => {
    const declaration = index.byId.get(declarationId);
    const typeName = declaration?.typeName as AstNode | undefined;
    const struct =
      typeName?.referencedDeclaration !== undefined
        ? index.byId.get(typeName.referencedDeclaration)
        : undefined;
    const doc = struct?.documentation as { text?: string } | string | undefined;
    const text = typeof doc === "string" ? doc : doc?.text;
    return /@custom:storage-location\s+erc7201:/.test(text ?? "");
  };

  const walk = (node: unknown, visit: (node: AstNode) => void) => {
    if (node === null || typeof node !== "object") return;
    visit(node as AstNode);
    for (const child of Object.values(node)) {
      if (Array.isArray(child)) for (const item of child) walk(item, visit);
      else walk(child, visit);
    }
  };

  for (const id of [...lineage].reverse()) {
    const contract = index.byId.get(id);
    if (contract === undefined) continue;
    const name = String(contract.name);
    walk(contract, (node) => {
      if (node.nodeType === "FunctionCall") {
        const callee = node.expression as AstNode;
        const library = (callee.expression as AstNode | undefined)?.typeDescriptions?.typeString;
        const [slot] = (node.arguments as AstNode[]) ?? [];
        if (
          callee.nodeType === "MemberAccess" &&
          STORAGE_SLOT_GETTER.test(String(callee.memberName)) &&
          library === "type(library StorageSlot)" &&
          slot?.typeDescriptions?.typeString === "bytes32"
        ) {
          record(name, String(callee.memberName), node.src, evaluateSolidity(index, slot));
        }
        return;
      }
      if (node.nodeType !== "InlineAssembly") return;
      const scope: YulScope = {
        externalReferences: (node.externalReferences as YulScope["externalReferences"]) ?? [],
        locals: new Map(),
        reassigned: new Set(),
      };
      walk(node.AST, (yul) => {
        if (yul.nodeType === "YulVariableDeclaration") {
          const variables = yul.variables as AstNode[];
          if (variables.length === 1 && yul.value) {
            scope.locals.set(String(variables[0]!.name), yul.value as AstNode);
          }
        }
        if (yul.nodeType === "YulAssignment") {
          for (const variable of yul.variableNames as AstNode[]) {
            scope.reassigned.add(String(variable.name));
          }
        }
      });
      walk(node.AST, (yul) => {
        if (yul.nodeType === "YulFunctionCall") {
          const fn = String((yul.functionName as AstNode).name);
          const [slot] = yul.arguments as AstNode[];
          if ((fn === "sstore" || fn === "sload") && slot !== undefined) {
            const reference = scope.externalReferences.find((ref) => ref.src === slot.src);
            // `x.slot` of a declared state variable is that variable's own place.
            const declared =
              reference?.isSlot === true &&
              index.byId.get(reference.declaration)?.stateVariable === true;
            if (!declared) record(name, fn, yul.src, evaluateYul(index, scope, slot));
          }
        }
        if (yul.nodeType === "YulAssignment") {
          const [variable] = yul.variableNames as AstNode[];
          if (!String(variable?.name).endsWith(".slot")) return;
          const reference = scope.externalReferences.find((ref) => ref.src === variable!.src);
          if (reference !== undefined && isNamespacedPointer(reference.declaration)) return;
          record(name, ".slot :=", yul.src, evaluateYul(index, scope, yul.value as AstNode));
        }
      });
    });
  }
  return accesses;
}
