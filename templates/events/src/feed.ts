// What this plugin receives and sends, and the service it offers other plugins.

/** Data of `user.created`, as the plugin that publishes it sends it. */
export interface UserCreated {
  user_id: string;
  username: string;
}

/** One line of the activity feed. */
export interface FeedEntry {
  /** The event type that caused it. */
  type: string;
  text: string;
  at: string;
}

/**
 * The `events_template.feed` service. Another plugin lists "events_template" in its manifest's
 * `dependencies`, then calls `this.getService<ActivityFeed>('events_template.feed')`.
 */
export interface ActivityFeed {
  /** The latest entries, newest first. */
  latest(limit?: number): FeedEntry[];
  /** How many entries the feed holds. */
  size(): number;
}

/** A feed that keeps at most `capacity` entries; `entries` is shared with the plugin. */
export function createFeed(entries: FeedEntry[], capacity: () => number): ActivityFeed & { add(entry: FeedEntry): void } {
  return {
    latest: (limit = 10) => entries.slice(-limit).reverse(),
    size: () => entries.length,
    add(entry) {
      entries.push(entry);
      if (entries.length > capacity()) entries.splice(0, entries.length - capacity());
    },
  };
}
