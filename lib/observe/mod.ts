/**
 * Observing lobby: structured logs (JSON or text, one event per line) and
 * Prometheus metrics (with prom-client, loaded on first use).
 *
 * @module
 */
export { createLogger, describeError, formatJsonLine, formatTextLine, type LogEvent, type LogFormat, type Logger, type LoggerOptions } from "./log.ts";
export { DURATION_BUCKETS, type PrometheusMetrics, prometheusMetrics, type PrometheusMetricsOptions } from "./metrics.ts";
export { stdoutIsTerminal } from "./_stdout.ts";
