/**
 * The example service of the API migration: the same users API as v1 (one `name`) and as v2
 * (`first_name` and `last_name`), each a plain Node request listener over its own in-memory
 * store. The v2 listener serves old clients through the compatibility layer
 * (migrations/api/user-v2.yaml); the v1 listener is what they were served before the rollout.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

interface StoredUser {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
  status: "enabled" | "disabled";
}

const SEED: StoredUser[] = [
  { id: 1, first_name: "Ada", last_name: "Lovelace", email: "ada@example.org", status: "enabled" },
  { id: 2, first_name: "Alan", last_name: "Turing", email: "alan@example.org", status: "disabled" },
];

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"));
      } catch {
        resolve({});
      }
    });
  });
}

/** A users API over a store, shaped by `present` (how a user looks in this version). */
function usersApi(
  present: (user: StoredUser) => Record<string, unknown>,
  accept: (input: Record<string, unknown>) => Omit<StoredUser, "id"> | undefined,
  prefix = "",
): RequestListener {
  const users = SEED.map((user) => ({ ...user }));
  return (request, response) => {
    const full = (request.url ?? "/").split("?")[0] as string;
    // v1 was served under /v1 (and unprefixed, for clients that named no version).
    const path = prefix !== "" && full.startsWith(`${prefix}/`) ? full.slice(prefix.length) : full;
    const one = /^\/users\/(\d+)(\/profile)?$/.exec(path);
    if (request.method === "GET" && path === "/users") {
      send(response, 200, { users: users.map(present) });
      return;
    }
    if (request.method === "GET" && one) {
      const user = users.find((candidate) => candidate.id === Number(one[1]));
      if (user === undefined) send(response, 404, { error: { message: "no such user" } });
      else if (one[2]) send(response, 200, { user: present(user), profile: true });
      else send(response, 200, { user: present(user) });
      return;
    }
    if (request.method === "POST" && path === "/users") {
      void readJson(request).then((body) => {
        const input = accept((body.user ?? {}) as Record<string, unknown>);
        if (input === undefined) {
          send(response, 422, { error: { message: "user fields missing" } });
          return;
        }
        const user = { id: users.length + 1, ...input };
        users.push(user);
        send(response, 201, { user: present(user) });
      });
      return;
    }
    send(response, 404, { error: { message: `no route ${request.method} ${path}` } });
  };
}

/** v2: first_name and last_name, status enabled/disabled. */
export function createNewHandler(): RequestListener {
  return usersApi(
    (user) => ({ ...user }),
    (input) => {
      const { first_name, last_name, email, status } = input;
      if (typeof first_name !== "string" || typeof last_name !== "string") return undefined;
      if (typeof email !== "string") return undefined;
      return {
        first_name,
        last_name,
        email,
        status: status === "disabled" ? "disabled" : "enabled",
      };
    },
  );
}

/** v1, as it was before the migration: one name, status active/inactive. */
export function createOldHandler(): RequestListener {
  return usersApi(
    ({ id, first_name, last_name, email, status }) => ({
      id,
      name: `${first_name} ${last_name}`,
      email,
      status: status === "enabled" ? "active" : "inactive",
    }),
    (input) => {
      const { name, email, status } = input;
      if (typeof name !== "string" || typeof email !== "string") return undefined;
      const [first, ...rest] = name.split(" ");
      return {
        first_name: first ?? "",
        last_name: rest.join(" "),
        email,
        status: status === "inactive" ? "disabled" : "enabled",
      };
    },
    "/v1",
  );
}
