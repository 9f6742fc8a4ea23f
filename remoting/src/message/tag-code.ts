/**
 * Tag hash codes. The consume queue stores, for every message, Java's `String.hashCode()` of its TAGS property, and
 * the broker filters pulls by comparing it with `SubscriptionData.codeSet`, which clients also fill with
 * `String.hashCode()` of each subscribed tag (PROTOCOL.md §4.2). The values must therefore match Java exactly.
 */

/**
 * Java's `String.hashCode()`: s[0]*31^(n-1) + … + s[n-1] over UTF-16 code units, in 32-bit signed arithmetic.
 * JavaScript strings are UTF-16 too, so charCodeAt gives the same units Java hashes, surrogate pairs included.
 */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) {
    hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  }
  return hash;
}

/**
 * `MessageExtBrokerInner.tagsString2tagsCode`: 0 for a missing or empty TAGS property, else its Java hash code.
 * The consume queue keeps it as a long, but it is always an int-range value for normal topics.
 */
export function tagsString2tagsCode(tags: string | undefined): number {
  if (tags === undefined || tags === '') return 0;
  return javaStringHashCode(tags);
}
