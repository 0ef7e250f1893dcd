package telemetry

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Metric names. They are a public contract: dashboards and alerts use
// them, so they change only with a release note.
const (
	// MetricPipelineDuration is a histogram of run durations in seconds;
	// attributes AttrPipeline, AttrStatus.
	MetricPipelineDuration = "hotpass.pipeline.duration"
	// MetricTaskDuration is a histogram of task durations in seconds, from
	// the first attempt's start to the final status, retries included, for
	// tasks that started; attributes AttrPipeline, AttrTaskType, AttrStatus.
	MetricTaskDuration = "hotpass.task.duration"
	// MetricTaskRetries counts failed attempts that are retried; attributes
	// AttrPipeline, AttrTaskType.
	MetricTaskRetries = "hotpass.task.retries"
	// MetricTaskOutputRecords counts the rows tasks output; attributes
	// AttrPipeline, AttrTaskID, AttrTaskType.
	MetricTaskOutputRecords = "hotpass.task.output.records"
	// MetricRecordsProcessed is the former name of MetricTaskOutputRecords,
	// recorded alongside it for one release.
	//
	// Deprecated: the semantic conventions do not pluralize a namespace;
	// use MetricTaskOutputRecords.
	MetricRecordsProcessed = "hotpass.records.processed"
	// MetricValidationFailures counts rows failing a data expectation;
	// attributes AttrExpectation, AttrColumn.
	MetricValidationFailures = "hotpass.validation.failures"
	// MetricEnrichmentCoverage is a gauge of the share (0..1) of rows that
	// have a value for an enriched field; attribute AttrField.
	MetricEnrichmentCoverage = "hotpass.enrichment.coverage"
	// MetricLinkagePairs counts record pairs scored by linkage; attribute
	// AttrClassification (match, review, non_match).
	MetricLinkagePairs = "hotpass.linkage.pairs"
	// MetricBackfillRuns counts backfill child runs; attribute AttrStatus.
	MetricBackfillRuns = "hotpass.backfill.runs"
	// MetricComplianceViolations counts records a compliance policy does
	// not allow and the run kept; attribute AttrViolation.
	MetricComplianceViolations = "hotpass.compliance.violations"
)

// Attribute keys used on Hotpass's metrics and spans.
const (
	AttrPipeline       = "hotpass.pipeline"
	AttrRunID          = "hotpass.run_id"
	AttrStatus         = "hotpass.status"
	AttrTaskID         = "hotpass.task.id"
	AttrTaskType       = "hotpass.task.type"
	AttrAttempt        = "hotpass.task.attempt"
	AttrRowsIn         = "hotpass.task.rows_in"
	AttrRowsOut        = "hotpass.task.rows_out"
	AttrSkipReason     = "hotpass.task.skip_reason"
	AttrRetryDelay     = "hotpass.task.retry_delay_s"
	AttrTasksTotal     = "hotpass.run.tasks"
	AttrExpectation    = "hotpass.expectation"
	AttrColumn         = "hotpass.column"
	AttrField          = "hotpass.field"
	AttrClassification = "hotpass.classification"
	AttrViolation      = "hotpass.compliance.violation"
	// AttrErrorType is the semantic conventions' error.type, set on the
	// spans and duration measurements of failed and cancelled tasks and
	// runs (ErrorTypeFailed, ErrorTypeCancelled) and absent otherwise.
	AttrErrorType = "error.type"
)

// error.type values: low-cardinality classes of why a task or run did not
// succeed; the message itself goes in the span status.
const (
	ErrorTypeFailed    = "hotpass.failed"
	ErrorTypeCancelled = "hotpass.cancelled"
)

// durationBuckets suit task and run durations in seconds: the SDK's
// default buckets are made for milliseconds.
func durationBuckets() []float64 {
	return []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}
}

// Metrics are Hotpass's instruments, created once per Telemetry. The
// Record methods are safe for concurrent use and cheap; on a no-op
// Telemetry they do nothing. Methods taking a context add AttrPipeline
// when the context carries a run observer (RunObserver.Context).
type Metrics struct {
	pipelineDuration   metric.Float64Histogram
	taskDuration       metric.Float64Histogram
	taskRetries        metric.Int64Counter
	records            metric.Int64Counter
	recordsDeprecated  metric.Int64Counter
	validationFailures metric.Int64Counter
	enrichmentCoverage metric.Float64Gauge
	linkagePairs       metric.Int64Counter
	backfillRuns       metric.Int64Counter
	violations         metric.Int64Counter
}

func newMetrics(m metric.Meter) (*Metrics, error) {
	var errs [10]error
	var out Metrics
	out.pipelineDuration, errs[0] = m.Float64Histogram(MetricPipelineDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of pipeline runs."), metric.WithExplicitBucketBoundaries(durationBuckets()...))
	out.taskDuration, errs[1] = m.Float64Histogram(MetricTaskDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of tasks, retries included."), metric.WithExplicitBucketBoundaries(durationBuckets()...))
	out.taskRetries, errs[2] = m.Int64Counter(MetricTaskRetries, metric.WithUnit("{retry}"),
		metric.WithDescription("Failed task attempts that were retried."))
	out.records, errs[3] = m.Int64Counter(MetricTaskOutputRecords, metric.WithUnit("{record}"),
		metric.WithDescription("Records output by tasks."))
	out.recordsDeprecated, errs[8] = m.Int64Counter(MetricRecordsProcessed, metric.WithUnit("{record}"),
		metric.WithDescription("Deprecated: use "+MetricTaskOutputRecords+", the same count; this name goes in the next release."))
	out.validationFailures, errs[4] = m.Int64Counter(MetricValidationFailures, metric.WithUnit("{record}"),
		metric.WithDescription("Records failing a data expectation."))
	out.enrichmentCoverage, errs[5] = m.Float64Gauge(MetricEnrichmentCoverage, metric.WithUnit("1"),
		metric.WithDescription("Share of records with a value for an enriched field."))
	out.linkagePairs, errs[6] = m.Int64Counter(MetricLinkagePairs, metric.WithUnit("{pair}"),
		metric.WithDescription("Record pairs scored by linkage, by classification."))
	out.backfillRuns, errs[7] = m.Int64Counter(MetricBackfillRuns, metric.WithUnit("{run}"),
		metric.WithDescription("Backfill child runs, by final status."))
	out.violations, errs[9] = m.Int64Counter(MetricComplianceViolations, metric.WithUnit("{record}"),
		metric.WithDescription("Records a compliance policy does not allow that the run kept, by kind of violation."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return &out, nil
}

// withPipeline appends AttrPipeline from a run context, if any, and masks
// the run's secrets in the string attributes.
func withPipeline(ctx context.Context, attrs ...attribute.KeyValue) metric.MeasurementOption {
	if o := observerFrom(ctx); o != nil {
		if !o.red.Empty() {
			for i, a := range attrs {
				if a.Value.Type() == attribute.STRING {
					attrs[i] = attribute.String(string(a.Key), o.red.String(a.Value.AsString()))
				}
			}
		}
		attrs = append(attrs, o.pipelineAttr)
	}
	return metric.WithAttributes(attrs...)
}

// RecordValidationFailures adds n records that failed expectation on column.
func (m *Metrics) RecordValidationFailures(ctx context.Context, expectation, column string, n int64) {
	if n <= 0 {
		return
	}
	m.validationFailures.Add(ctx, n, withPipeline(ctx,
		attribute.String(AttrExpectation, expectation), attribute.String(AttrColumn, column)))
}

// RecordEnrichmentCoverage sets the share of records, clamped to 0..1,
// that have a value for field after enrichment.
func (m *Metrics) RecordEnrichmentCoverage(ctx context.Context, field string, ratio float64) {
	ratio = min(max(ratio, 0), 1)
	m.enrichmentCoverage.Record(ctx, ratio, withPipeline(ctx, attribute.String(AttrField, field)))
}

// RecordLinkagePairs adds n scored pairs of a classification ("match",
// "review" or "non_match").
func (m *Metrics) RecordLinkagePairs(ctx context.Context, classification string, n int64) {
	if n <= 0 {
		return
	}
	m.linkagePairs.Add(ctx, n, withPipeline(ctx, attribute.String(AttrClassification, classification)))
}

// RecordBackfillRun counts one backfill child run that ended with status
// (an engine.Status string such as "succeeded").
func (m *Metrics) RecordBackfillRun(ctx context.Context, status string) {
	m.backfillRuns.Add(ctx, 1, withPipeline(ctx, attribute.String(AttrStatus, status)))
}

// RecordComplianceViolations adds n records with a violation of kind
// (consent_pending, consent_unknown, retention_expired, erased_person).
func (m *Metrics) RecordComplianceViolations(ctx context.Context, kind string, n int64) {
	if n <= 0 {
		return
	}
	m.violations.Add(ctx, n, withPipeline(ctx, attribute.String(AttrViolation, kind)))
}
