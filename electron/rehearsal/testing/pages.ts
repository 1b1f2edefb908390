/** Reads the rehearsal sign-in pages the way a browser would: forms, their actions and fields. */
export interface PageForm {
  action: string;
  fields: Record<string, string>;
  username?: string;
}

function unescape(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function formsOf(html: string): PageForm[] {
  const out: PageForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = unescape(/action="([^"]*)"/.exec(m[1]!)?.[1] ?? '');
    const fields: Record<string, string> = {};
    for (const i of m[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescape(i[1]!)] = unescape(i[2]!);
    const username = /data-username="([^"]*)"/.exec(m[2]!)?.[1];
    out.push({ action, fields, ...(username ? { username: unescape(username) } : {}) });
  }
  return out;
}

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
