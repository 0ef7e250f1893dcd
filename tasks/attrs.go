package tasks

// AttrDataValidationFailed is the result attribute a task sets to true when
// it fails because the data broke its expectations under a `fail` policy,
// for whoever reads the run record. The exit status does not come from it
// but from the task's error, which carries exitcode.DataInvalid.
const AttrDataValidationFailed = "data_validation_failed"
