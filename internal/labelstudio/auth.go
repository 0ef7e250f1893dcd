package labelstudio

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// refreshPath exchanges a personal access token (a JWT refresh token) for
// an access token: {"refresh": PAT} → {"access": token}.
const refreshPath = "/api/token/refresh"

// isPersonalAccessToken reports whether token is a JWT, which is how
// Label Studio's personal access tokens look; legacy tokens are 40 hex
// digits. Only the header's shape is read: the signature is the server's
// to check.
func isPersonalAccessToken(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	if err != nil {
		return false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	return json.Unmarshal(raw, &header) == nil && header.Alg != ""
}

// authorization returns the Authorization header value: the legacy token
// as is, or a Bearer access token obtained from the personal access token
// (exchanged on first use).
func (c *Client) authorization(ctx context.Context) (string, error) {
	if !c.pat {
		return "Token " + c.token, nil
	}
	c.authMu.Lock()
	access := c.access
	c.authMu.Unlock()
	if access != "" {
		return "Bearer " + access, nil
	}
	if err := c.refreshAccess(ctx, ""); err != nil {
		return "", err
	}
	c.authMu.Lock()
	defer c.authMu.Unlock()
	return "Bearer " + c.access, nil
}

// refreshAccess exchanges the personal access token for a new access
// token, unless another call already replaced stale (the header that was
// refused).
func (c *Client) refreshAccess(ctx context.Context, stale string) error {
	c.authMu.Lock()
	defer c.authMu.Unlock()
	if c.access != "" && "Bearer "+c.access != stale {
		return nil
	}
	body, err := json.Marshal(map[string]string{"refresh": c.token})
	if err != nil {
		return err
	}
	var out struct {
		Access string `json:"access"`
	}
	err = c.send(ctx, request{method: http.MethodPost, path: refreshPath, body: body, out: &out, anonymous: true})
	var lsErr *Error
	if errors.As(err, &lsErr) && lsErr.Kind == ErrRequest && lsErr.Status == http.StatusBadRequest {
		// A malformed token is refused with 400; to the user it is as
		// unusable as an expired one.
		err = c.newError(ErrUnauthorized, http.MethodPost, refreshPath, lsErr.Status, lsErr.Attempts, lsErr.Detail)
	}
	if err != nil {
		return err
	}
	out.Access = string(bytes.TrimSpace([]byte(out.Access)))
	if out.Access == "" {
		return c.newError(ErrRequest, http.MethodPost, refreshPath, http.StatusOK, 1, `the answer has no "access" token`)
	}
	c.secretsMu.Lock()
	c.secrets = append(c.secrets, out.Access)
	c.secretsMu.Unlock()
	c.access = out.Access
	c.log.Debug("label studio: personal access token exchanged for an access token")
	return nil
}
