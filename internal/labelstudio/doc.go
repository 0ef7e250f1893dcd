// Package labelstudio sends uncertain record pairs from a linkage run to
// clerical review in Label Studio and brings the reviewers' decisions back
// as must-link and cannot-link constraints for clustering.
//
// The client speaks Label Studio's documented REST API only; Label Studio
// itself cannot run in this repository's tests, so the tests run the client
// against an in-test HTTP server (net/http/httptest) that implements the
// same endpoints with the documented request and response shapes:
//
//   - authentication (https://labelstud.io/guide/access_tokens): a
//     personal access token (Label Studio 1.17 and later; a JWT refresh
//     token) is exchanged at POST /api/token/refresh, {"refresh": PAT} →
//     {"access": token}, and the access token, which lives about five
//     minutes, is sent as "Authorization: Bearer <access>"; a 401 gets one
//     fresh access token and one repeat. A legacy token is sent as
//     "Authorization: Token <token>"; an organization with legacy tokens
//     disabled answers 401 "legacy token authentication has been disabled"
//   - GET /api/projects/{id}/ — the project, 404 when it does not exist
//     (https://api.labelstud.io/api-reference/api-reference/projects/get)
//   - GET /api/tasks/?project={id}&page={n}&page_size={k}[&fields=all] —
//     {"tasks": [...], "total": n, "total_annotations": n,
//     "total_predictions": n}; fields=all includes each task's annotations
//     (https://api.labelstud.io/api-reference/api-reference/tasks/list)
//   - POST /api/projects/{id}/import with a JSON array of tasks
//     [{"data": {...}}, ...], at most 250K tasks and 200 MB per request;
//     Community edition answers {"task_count": n, ...}, other editions
//     {"import": id} and import asynchronously
//     (https://api.labelstud.io/api-reference/api-reference/projects/import-tasks)
//   - GET /api/projects/{id}/imports/{import_id}/ — {"status": "created" |
//     "in_progress" | "completed" | "failed", "error", "task_count", ...};
//     a background import's errors are only visible here
//     (https://api.labelstud.io/api-reference/api-reference/projects/imports/get)
//   - GET /api/users/{id}/ — a user's "email" and "username", to name the
//     reviewer of an annotation that gives only a user id
//   - annotations in the Label Studio JSON task format: {"id", "result":
//     [{"from_name", "to_name", "type": "choices", "value": {"choices":
//     [...]}}], "was_cancelled", "completed_by", "created_at",
//     "updated_at"} (https://labelstud.io/guide/task_format)
//
// Annotations are read through the task list with fields=all rather than
// through GET /api/projects/{id}/export, which the API reference marks as
// deprecated in favour of asynchronous export snapshots; the task list is
// paginated and synchronous, and the same call finds the pair ids already
// pushed.
//
// A pushed pair is a task whose data carries both records, the match
// weight and probability, the thresholds and a stable pair id (PairID), so
// pushing the same pairs again creates no duplicates. A background import
// is followed to its end before the next batch goes out, and an import
// answered with a 5xx (a proxy's 504 may come after the commit) is sent
// again only for the pairs a fresh task list does not show. Pulled decisions are
// appended to a JSON Lines file (linkage_reviewer_decisions.jsonl by
// convention), one line per annotation, never rewritten.
//
// A task list shorter than the project's task count means the token's
// user sees only its assigned tasks (an annotator or reviewer); that is
// warned about, since pushes could then repeat pairs and pulls miss
// decisions.
//
// The API token and the access tokens are sent only in the Authorization
// header (and the PAT in the refresh body); they never appear in logs or
// error messages (any occurrence is masked).
package labelstudio
