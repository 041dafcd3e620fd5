/**
 * @apollo/gateway (since 2.14) sends anonymous usage telemetry to Apollo unless
 * APOLLO_TELEMETRY_DISABLED is "1" or "true" when an ApolloGateway is constructed.
 * This project turns it off unless the user opts in (APOLLO_TELEMETRY=on).
 * Opting in only stops the router from disabling it: an explicit APOLLO_TELEMETRY_DISABLED=1 still wins.
 */
export function applyTelemetryChoice(enabled: boolean): void {
  if (!enabled) process.env.APOLLO_TELEMETRY_DISABLED = "1";
}
