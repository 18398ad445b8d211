/**
 * A token bucket per rule: `perMinute` firings in a burst, refilled evenly over a minute, so a
 * flapping sensor or a chatty event cannot make a rule a notification storm.
 */
export class RateLimit {
  private tokens: number;
  private at: number;

  constructor(private readonly perMinute: number, now: number) {
    this.tokens = perMinute;
    this.at = now;
  }

  /** Takes one firing; false when the rule has used up its minute. */
  take(now: number): boolean {
    this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.at) * this.perMinute) / 60_000);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
