/**
 * The action ids of meshwatch's Slack buttons: the renderer puts them on
 * buttons and the Slack app routes clicks by them, so both read this one
 * list. Ids are part of messages already posted in Slack: never rename one,
 * only add (an old message's button must still work after an upgrade).
 *
 * A button's `value` is JSON: `{"incident":"<id>"}` for incident actions,
 * `{"request":"<id>"}` for approvals, `{"product":"<id>"}` for tier reviews.
 */
export const SLACK_ACTIONS = {
  acknowledge: 'meshwatch.ack',
  snooze1h: 'meshwatch.snooze.1h',
  snooze24h: 'meshwatch.snooze.24h',
  resolve: 'meshwatch.resolve',
  /** A link button: Slack still sends a click, which the app acknowledges and ignores. */
  openStatusPage: 'meshwatch.open_status',
  approve: 'meshwatch.approve',
  deny: 'meshwatch.deny',
  tierStillRight: 'meshwatch.tier_ok',
} as const;

export type SlackActionId = (typeof SLACK_ACTIONS)[keyof typeof SLACK_ACTIONS];
