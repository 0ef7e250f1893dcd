package backfill_test

import (
	"fmt"
	"os"

	"github.com/hotpass/hotpass/internal/backfill"
)

// A backfill with fail_fast stopped at its first date: the summary counts
// the runs not started apart from the failed one.
func ExampleSummary_Problem() {
	sum := &backfill.Summary{
		Total: 3, Failed: 1, NotStarted: 2,
		Runs: []backfill.RunResult{
			{Date: "2024-01-02", Version: "1", Archive: "a/in-0102.zip", Status: backfill.StatusFailed, Error: "run backfill-2024-01-02-1: task load failed"},
			{Date: "2024-01-03", Version: "1", Archive: "a/in-0103.zip", Status: backfill.StatusNotStarted, Error: backfill.NotStartedReason},
			{Date: "2024-01-04", Version: "1", Archive: "a/in-0104.zip", Status: backfill.StatusNotStarted, Error: backfill.NotStartedReason},
		},
	}
	_ = sum.WriteTable(os.Stdout)
	fmt.Println(sum.OK(), sum.Problem())
	// Output:
	// DATE        VERSION  ARCHIVE      STATUS       RECORDS  DURATION  ERROR
	// 2024-01-02  1        in-0102.zip  failed       0        -         run backfill-2024-01-02-1: task load failed
	// 2024-01-03  1        in-0103.zip  not_started  0        -         not started: an earlier run failed and fail_fast is set
	// 2024-01-04  1        in-0104.zip  not_started  0        -         not started: an earlier run failed and fail_fast is set
	//
	// 3 runs: 0 succeeded, 1 failed, 0 skipped, 0 missing, 2 not started · 0 records · -
	// false 1 of 3 backfill runs failed; 2 not started (fail_fast)
}
