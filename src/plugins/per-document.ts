/**
 * What plugins work out once per operation rather than once per request.
 */
import type { DocumentNode } from 'graphql';

/**
 * Results kept per parsed document (yoga's parser cache bounds how many there
 * are) and, within one, per key.
 */
export class PerDocument<Value> {
  #byDocument = new WeakMap<DocumentNode, Map<string, Value>>();

  get(document: DocumentNode, key: string, compute: () => Value): Value {
    let byKey = this.#byDocument.get(document);
    if (!byKey) this.#byDocument.set(document, (byKey = new Map()));
    let value = byKey.get(key);
    if (value === undefined && !byKey.has(key)) byKey.set(key, (value = compute()));
    return value as Value;
  }
}
