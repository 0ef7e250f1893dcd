package tasks

// AttrDataValidationFailed is the result attribute a task sets to true when
// it fails because the data broke its expectations under a `fail` policy. A
// run whose only failures carry it exits with status 3 (data validation
// failed) instead of 1.
const AttrDataValidationFailed = "data_validation_failed"
