/**
 * MQTT topic filters (MQTT 3.1.1 §4.7), pure: does a filter with `+` and `#` match a topic name?
 * A filter that starts with a wildcard matches no topic that starts with `$` (§4.7.2). Walks both
 * strings level by level without splitting them: it runs for every retained topic a subscription
 * looks at.
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  let f = 0;
  let t = 0;
  for (;;) {
    const fEnd = levelEnd(filter, f);
    const level = filter.slice(f, fEnd);
    if (level === '#') return fEnd === filter.length; // `#` is last, and matches the parent level too
    if (t > topic.length) return false; // the topic has no more levels
    const tEnd = levelEnd(topic, t);
    if (level !== '+' && (tEnd - t !== fEnd - f || !topic.startsWith(level, t))) return false;
    if (fEnd === filter.length) return tEnd === topic.length;
    f = fEnd + 1;
    t = tEnd + 1;
  }
}

function levelEnd(s: string, from: number): number {
  const i = s.indexOf('/', from);
  return i < 0 ? s.length : i;
}
