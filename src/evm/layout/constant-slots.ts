/**
 * Evaluates the slot expressions that raw storage access uses, from the compiler's AST: number
 * literals, constants (also through a local variable that holds one, if never reassigned),
 * keccak256 of a string or of abi.encode(...) of values, type conversions, arithmetic and bit
 * operations, in Solidity and in inline assembly. What cannot be known before run time (a
 * parameter, a state variable's value, memory) gives the reason instead of a value.
 */
import { ethers } from "ethers";

/** The AST nodes this module reads; solc's JSON AST, loosely typed. */
export interface AstNode {
  nodeType?: string;
  id?: number;
  name?: string;
  src?: string;
  kind?: string;
  value?: unknown;
  hexValue?: string;
  operator?: string;
  constant?: boolean;
  stateVariable?: boolean;
  referencedDeclaration?: number;
  memberName?: string;
  typeDescriptions?: { typeString?: string };
  [key: string]: unknown;
}

/** A value, with the constant that named it, or the reason it has none. */
export type Evaluated =
  { value: bigint; constant?: string } | { value?: undefined; reason: string };

const WORD = (1n << 256n) - 1n;

/** Every node of the given ASTs by id, and what local declarations are initialised with. */
export class AstIndex {
  readonly byId = new Map<number, AstNode>();
  /** Local variable id -> its initial value (single-variable declarations only). */
  readonly initialValues = new Map<number, AstNode>();
  /** Local variables assigned after their declaration: their initial value proves nothing. */
  readonly reassigned = new Set<number>();
  /** Contract id of every node, for naming where a constant is declared. */
  readonly contractOf = new Map<number, string>();

  /** Indexes every source's AST. */
  constructor(asts: unknown[]) {
    for (const ast of asts) this.visit(ast as AstNode, undefined);
  }

  private visit(node: AstNode, contract: string | undefined): void {
    if (node === null || typeof node !== "object") return;
    const inside = node.nodeType === "ContractDefinition" ? node.name : contract;
    if (typeof node.id === "number") {
      this.byId.set(node.id, node);
      if (inside !== undefined) this.contractOf.set(node.id, inside);
    }
    if (node.nodeType === "VariableDeclarationStatement") {
      const declarations = node.declarations as (AstNode | null)[];
      if (declarations.length === 1 && declarations[0]?.id !== undefined && node.initialValue) {
        this.initialValues.set(declarations[0].id, node.initialValue as AstNode);
      }
    }
    if (node.nodeType === "Assignment") {
      const target = node.leftHandSide as AstNode;
      if (target.referencedDeclaration !== undefined)
        this.reassigned.add(target.referencedDeclaration);
    }
    for (const child of Object.values(node)) {
      if (Array.isArray(child)) for (const item of child) this.visit(item as AstNode, inside);
      else if (child !== null && typeof child === "object") this.visit(child as AstNode, inside);
    }
  }
}

const bits = (typeString: string | undefined): bigint | undefined => {
  const match = /^(?:uint|int)(\d+)$/.exec(typeString ?? "");
  if (match) return BigInt(match[1]!);
  const bytes = /^bytes(\d+)$/.exec(typeString ?? "");
  if (bytes) return BigInt(bytes[1]!) * 8n;
  return typeString === "address" ? 160n : undefined;
};

const word = (value: bigint) => ethers.toBeHex(value & WORD, 32);

function numberLiteral(text: string): bigint | undefined {
  const clean = text.replace(/_/g, "");
  if (/^0x[0-9a-fA-F]+$/.test(clean) || /^\d+$/.test(clean)) return BigInt(clean);
  const scientific = /^(\d+)e(\d+)$/.exec(clean);
  return scientific ? BigInt(scientific[1]!) * 10n ** BigInt(scientific[2]!) : undefined;
}

function arithmetic(operator: string, a: bigint, b: bigint): bigint | undefined {
  switch (operator) {
    case "+":
    case "add":
      return (a + b) & WORD;
    case "-":
    case "sub":
      return (a - b) & WORD;
    case "*":
    case "mul":
      return (a * b) & WORD;
    case "&":
    case "and":
      return a & b;
    case "|":
    case "or":
      return a | b;
    case "^":
    case "xor":
      return a ^ b;
    case "<<":
      return (a << b) & WORD;
    case ">>":
      return a >> b;
    default:
      return undefined;
  }
}

/** Evaluates a Solidity expression. */
export function evaluateSolidity(index: AstIndex, node: AstNode, depth = 0): Evaluated {
  if (depth > 32) return { reason: "too deeply nested" };
  const next = (child: AstNode) => evaluateSolidity(index, child, depth + 1);
  switch (node.nodeType) {
    case "Literal": {
      if (node.kind !== "number") return { reason: `a ${String(node.kind)} literal` };
      const value = numberLiteral(String(node.value));
      return value === undefined ? { reason: `the literal ${String(node.value)}` } : { value };
    }
    case "Identifier":
      return node.referencedDeclaration === undefined
        ? { reason: `${node.name}` }
        : evaluateDeclaration(index, node.referencedDeclaration, depth + 1);
    case "TupleExpression": {
      const components = node.components as AstNode[];
      return components.length === 1 ? next(components[0]!) : { reason: "a tuple" };
    }
    case "UnaryOperation": {
      if (node.operator !== "~") return { reason: `the operator ${node.operator}` };
      const operand = next(node.subExpression as AstNode);
      if (operand.value === undefined) return operand;
      const width = bits(node.typeDescriptions?.typeString) ?? 256n;
      return { value: ~operand.value & ((1n << width) - 1n), constant: operand.constant };
    }
    case "BinaryOperation": {
      const left = next(node.leftExpression as AstNode);
      if (left.value === undefined) return left;
      const right = next(node.rightExpression as AstNode);
      if (right.value === undefined) return right;
      const value = arithmetic(String(node.operator), left.value, right.value);
      return value === undefined
        ? { reason: `the operator ${node.operator}` }
        : { value, constant: left.constant ?? right.constant };
    }
    case "FunctionCall":
      return evaluateCall(index, node, depth);
    default:
      return { reason: `a ${node.nodeType} expression` };
  }
}

function evaluateCall(index: AstIndex, node: AstNode, depth: number): Evaluated {
  const callee = node.expression as AstNode;
  const args = (node.arguments as AstNode[]) ?? [];
  if (node.kind === "typeConversion" && args.length === 1) {
    const inner = evaluateSolidity(index, args[0]!, depth + 1);
    if (inner.value === undefined) return inner;
    const width = bits(node.typeDescriptions?.typeString) ?? 256n;
    return { value: inner.value & ((1n << width) - 1n), constant: inner.constant };
  }
  if (callee.nodeType === "Identifier" && callee.name === "keccak256" && args.length === 1) {
    const arg = args[0]!;
    if (arg.nodeType === "Literal" && arg.kind === "string") {
      return { value: BigInt(ethers.keccak256(`0x${arg.hexValue ?? ""}`)) };
    }
    const encode = arg.expression as AstNode | undefined;
    if (arg.nodeType === "FunctionCall" && encode?.memberName === "encode") {
      const words: string[] = [];
      let constant: string | undefined;
      for (const item of (arg.arguments as AstNode[]) ?? []) {
        const evaluated = evaluateSolidity(index, item, depth + 1);
        if (evaluated.value === undefined) return evaluated;
        constant ??= evaluated.constant;
        words.push(word(evaluated.value));
      }
      return { value: BigInt(ethers.keccak256(ethers.concat(words))), constant };
    }
    return { reason: "keccak256 of a value known only at run time" };
  }
  const name = callee.name ?? callee.memberName ?? "a function";
  return { reason: `the result of ${name}(...)` };
}

/** Evaluates what a declaration holds: a constant's value, or a local's never-changed one. */
export function evaluateDeclaration(index: AstIndex, id: number, depth = 0): Evaluated {
  const declaration = index.byId.get(id);
  if (declaration === undefined || declaration.nodeType !== "VariableDeclaration") {
    return { reason: "an unknown declaration" };
  }
  if (declaration.constant === true && declaration.value) {
    const value = evaluateSolidity(index, declaration.value as AstNode, depth + 1);
    if (value.value === undefined) return value;
    const owner = index.contractOf.get(id);
    return { value: value.value, constant: `${owner ? `${owner}.` : ""}${declaration.name}` };
  }
  if (declaration.stateVariable === true) {
    return { reason: `the state variable ${declaration.name}` };
  }
  const initial = index.initialValues.get(id);
  if (initial !== undefined && !index.reassigned.has(id)) {
    return evaluateSolidity(index, initial, depth + 1);
  }
  return { reason: `${declaration.name}, a value known only at run time` };
}

/** The inline assembly context: Solidity names it references, and its own local variables. */
export interface YulScope {
  externalReferences: { declaration: number; src: string; isSlot?: boolean }[];
  locals: Map<string, AstNode>;
  reassigned: Set<string>;
}

/** Evaluates a Yul expression of an inline assembly block. */
export function evaluateYul(index: AstIndex, scope: YulScope, node: AstNode, depth = 0): Evaluated {
  if (depth > 32) return { reason: "too deeply nested" };
  if (node.nodeType === "YulLiteral") {
    const value = node.kind === "number" ? numberLiteral(String(node.value)) : undefined;
    return value === undefined ? { reason: `the literal ${String(node.value)}` } : { value };
  }
  if (node.nodeType === "YulIdentifier") {
    const reference = scope.externalReferences.find((ref) => ref.src === node.src);
    if (reference !== undefined) {
      if (reference.isSlot) return { reason: `${node.name} (a storage reference)` };
      return evaluateDeclaration(index, reference.declaration, depth + 1);
    }
    const local = scope.locals.get(String(node.name));
    if (local !== undefined && !scope.reassigned.has(String(node.name))) {
      return evaluateYul(index, scope, local, depth + 1);
    }
    return { reason: `${node.name}, a value known only at run time` };
  }
  if (node.nodeType === "YulFunctionCall") {
    const name = String((node.functionName as AstNode).name);
    const args = (node.arguments as AstNode[]).map((arg) =>
      evaluateYul(index, scope, arg, depth + 1),
    );
    const unknown = args.find((arg) => arg.value === undefined);
    if (unknown) return unknown;
    const values = args.map((arg) => arg.value!);
    const constant = args
      .map((arg) => (arg.value !== undefined ? arg.constant : undefined))
      .find((name) => name !== undefined);
    if (name === "not" && values.length === 1) return { value: ~values[0]! & WORD, constant };
    if ((name === "shl" || name === "shr") && values.length === 2) {
      const [shift, value] = values as [bigint, bigint];
      return { value: name === "shl" ? (value << shift) & WORD : value >> shift, constant };
    }
    const value = values.length === 2 ? arithmetic(name, values[0]!, values[1]!) : undefined;
    return value === undefined ? { reason: `the result of ${name}(...)` } : { value, constant };
  }
  return { reason: `a ${node.nodeType} expression` };
}
