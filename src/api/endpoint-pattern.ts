/** An endpoint as a spec writes it: `GET /users/{id}`, or `/users/{id}` for every method. */
export interface EndpointPattern {
  /** As written in the spec. */
  text: string;
  /** Upper case; undefined for every method. */
  method?: string;
  /** The path template, `{name}` standing for one segment. */
  template: string;
  regex: RegExp;
  params: string[];
}

/** Parses an endpoint as the spec writes it. */
export function parseEndpoint(text: string): EndpointPattern {
  const [first, second] = text.trim().split(/\s+/, 2) as [string, string | undefined];
  const method = second === undefined ? undefined : first.toUpperCase();
  const template = second ?? first;
  const params: string[] = [];
  const source = template
    .split("/")
    .map((segment) => {
      const param = /^\{([^}]+)\}$/.exec(segment);
      if (param) {
        params.push(param[1] as string);
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return {
    text,
    ...(method ? { method } : {}),
    template,
    regex: new RegExp(`^${source}/?$`),
    params,
  };
}

/** The path parameters when a request matches the endpoint, else undefined. */
export function matchEndpoint(
  pattern: EndpointPattern,
  method: string,
  path: string,
): Record<string, string> | undefined {
  if (pattern.method !== undefined && pattern.method !== method.toUpperCase()) return undefined;
  const match = pattern.regex.exec(path);
  if (match === null) return undefined;
  return Object.fromEntries(pattern.params.map((name, index) => [name, match[index + 1] ?? ""]));
}

/** The template's path with the parameters filled in (those unknown stay as `{name}`). */
export function fillEndpoint(pattern: EndpointPattern, params: Record<string, string>): string {
  return pattern.template.replace(/\{([^}]+)\}/g, (whole, name: string) => params[name] ?? whole);
}
