package temporal

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"

	"github.com/hotpass/hotpass/engine"
)

// Packed is a value as gzip-compressed JSON. Run records and carried state
// grow with the number of tasks (about 200 bytes a task), and a 10,000-task
// record in clear would come close to Temporal's 2 MB payload limit; its
// repetitive JSON compresses about tenfold.
type Packed []byte

// pack encodes v.
func pack(v any) (Packed, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	return b.Bytes(), nil
}

// unpack decodes p into v.
func (p Packed) unpack(v any) error {
	zr, err := gzip.NewReader(bytes.NewReader(p))
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	defer zr.Close()
	data, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	return json.Unmarshal(data, v)
}

// RunResult is what RunWorkflow returns, what ProgressQuery answers and
// what the errors of failed and cancelled runs carry in their details.
type RunResult struct {
	// Record is the packed engine.RunRecord.
	Record Packed `json:"record"`
	// Outputs is the packed map of task id to the Ref of its kept table,
	// set when the run ends, so that a later run can resume from it.
	Outputs Packed `json:"outputs,omitempty"`
}

// RunRecord decodes the record.
func (r RunResult) RunRecord() (engine.RunRecord, error) {
	var rec engine.RunRecord
	if len(r.Record) == 0 {
		return rec, fmt.Errorf("run result holds no record")
	}
	err := r.Record.unpack(&rec)
	return rec, err
}

func resultOf(rec engine.RunRecord) (RunResult, error) {
	p, err := pack(rec)
	return RunResult{Record: p}, err
}
