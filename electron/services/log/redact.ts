/**
 * The one place log text is scrubbed. Anything that looks like a token, a
 * JWT, a PEM block, a long base64 run or a URL query is replaced before it is
 * written anywhere. Callers still must not pass secrets; this is the net.
 */
const rules: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '[pem]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[jwt]'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[token]'],
  [/([?&])[^\s#]+/g, '$1[query]'],
  [/("?(?:client_secret|secret|password|passphrase|access_token|refresh_token|id_token|d|p|q|dp|dq|qi|k)"?\s*[:=]\s*)"[^"]*"/gi, '$1"[redacted]"'],
  [/[A-Za-z0-9+/_-]{40,}={0,2}/g, '[long]'],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of rules) out = out.replace(pattern, replacement);
  return out;
}
