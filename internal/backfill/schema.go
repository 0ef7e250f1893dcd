package backfill

import "encoding/json"

// OptionsSchema is the JSON Schema (draft 2020-12) of an
// orchestrator.backfill block, also embedded in schemas/pipeline.base.json
// (a test keeps the two equal). The backfill task's `with:` accepts the
// same options.
var OptionsSchema = json.RawMessage(`{
  "description": "Replay archived inputs for a range of logical dates and versions (hotpass backfill, or a backfill task).",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "archive_root": {"description": "Directory holding the input archives, relative to this file. Default dist/input-archives.", "type": "string", "minLength": 1},
    "restore_root": {"description": "Directory archives are extracted under (<date>--<version>/), with outputs/, the state file and the summary. Default dist/backfill.", "type": "string", "minLength": 1},
    "archive_pattern": {
      "description": "Archive file name under archive_root, with {date:<strftime>} (%Y %m %d %j %y %b %%) and {version} placeholders. Default hotpass-inputs-{date:%Y%m%d}-v{version}.zip.",
      "type": "string", "minLength": 1,
      "examples": ["hotpass-inputs-{date:%Y%m%d}-v{version}.zip", "{date:%Y}/{date:%b}/inputs-{date:%d}-{version}.zip"]
    },
    "windows": {
      "description": "Ranges of logical dates to replay, both ends included, each with its versions (default: latest).",
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["start_date", "end_date"],
        "properties": {
          "start_date": {"description": "First logical date, YYYY-MM-DD.", "type": "string"},
          "end_date": {"description": "Last logical date, YYYY-MM-DD.", "type": "string"},
          "versions": {"description": "Versions to run for each date.", "type": "array", "minItems": 1, "items": {"type": ["string", "integer"]}}
        }
      }
    },
    "concurrency_limit": {"description": "Runs at once across every process sharing the state store (slot leases). 0 runs them one after another in this process. Default 1.", "type": "integer", "minimum": 0},
    "concurrency_key": {"description": "Name of the slot pool the limit applies to. Default hotpass/backfill.", "type": "string", "minLength": 1},
    "parameters": {"description": "Params given to every run, besides input_dir and output_path which the backfill sets.", "type": "object"},
    "pipeline": {
      "description": "What each archive runs: a spec file ({spec: FILE}, relative to this file) or a built-in profile ({profile: NAME}). Default {profile: aviation}.",
      "type": "object",
      "additionalProperties": false,
      "properties": {"spec": {"type": "string", "minLength": 1}, "profile": {"type": "string", "minLength": 1}},
      "oneOf": [{"required": ["spec"]}, {"required": ["profile"]}]
    },
    "on_missing": {"description": "What to do when a date's archive does not exist: fail the run (default) or skip it.", "enum": ["fail", "skip"]},
    "max_uncompressed_bytes": {"description": "Most bytes one archive may extract to, counted while decompressing. Default 4 GiB.", "type": "integer", "minimum": 1},
    "max_files": {"description": "Most members one archive may hold. Default 10000.", "type": "integer", "minimum": 1},
    "max_ratio": {"description": "Most a member may expand relative to its compressed size (zip bomb guard). Default 200.", "type": "number", "exclusiveMinimum": 0}
  }
}`)
