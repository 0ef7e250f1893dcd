package backfill

import (
	"encoding/json"
	"reflect"

	optdecode "github.com/hotpass/hotpass/specs/decode"
)

// OptionsSchema is the JSON Schema (draft 2020-12) of an
// orchestrator.backfill block, made from the declaration of BlockOptions, and
// also embedded in schemas/pipeline.base.json (a test keeps the two
// equal). The backfill task's `with:` accepts the same options.
var OptionsSchema = optionsSchema()

func optionsSchema() json.RawMessage {
	s := optdecode.Schema(reflect.TypeFor[BlockOptions]())
	s["description"] = "Replay archived inputs for a range of logical dates and versions (hotpass backfill, or a backfill task)."
	out, err := json.Marshal(s)
	if err != nil {
		panic("backfill: options schema: " + err.Error())
	}
	return out
}
