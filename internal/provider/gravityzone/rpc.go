package gravityzone

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// API path pieces: {accessURL}/v1.0/jsonrpc/{service}.
const (
	apiVersion       = "v1.0"
	serviceGeneral   = "general"
	serviceCompanies = "companies"
)

// Standard JSON-RPC 2.0 error codes.
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
	codeMethodNotFound = -32601
	codeInvalidParams  = -32602
)

// rpcRequest is the request envelope. Field order is the wire order.
type rpcRequest struct {
	ID      string `json:"id"`
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// rpcFailure is a JSON-RPC error answer with the HTTP status it came with.
type rpcFailure struct {
	status int
	err    rpcError
}

// call sends one JSON-RPC request and returns its result, or the server's JSON-RPC error as a
// *rpcFailure so the caller can interpret it, or a typed error when no usable answer came back.
func (c *Client) call(ctx context.Context, op, service, method string, params any, idempotent bool) (json.RawMessage, *rpcFailure, error) {
	return c.callAt(ctx, op, apiVersion, service, method, params, idempotent)
}

// callAt is call on another API version (the incidents service is v1.2).
func (c *Client) callAt(ctx context.Context, op, version, service, method string, params any, idempotent bool) (json.RawMessage, *rpcFailure, error) {
	resp, err := c.http.Do(ctx, httpx.Request{
		Operation:  op,
		Method:     http.MethodPost,
		Path:       version + "/jsonrpc/" + service,
		Header:     c.headers(),
		Body:       httpx.JSON(rpcRequest{ID: c.nextID(), JSONRPC: "2.0", Method: method, Params: params}),
		Idempotent: idempotent,
	})
	if err != nil {
		return nil, nil, err
	}
	env, derr := decodeResponse(resp.Body)
	if derr == nil && env.Error != nil {
		// The error object says more than the status, whatever status carried it.
		return nil, &rpcFailure{status: resp.StatusCode, err: *env.Error}, nil
	}
	if resp.StatusCode != http.StatusOK {
		perr := c.http.StatusError(op, resp, "")
		if !idempotent && resp.StatusCode >= 500 {
			// The server failed while handling a write: it may have committed it first.
			perr.Kind = provider.KindUnknownOutcome
		}
		return nil, nil, perr
	}
	if derr != nil {
		kind := provider.KindInvalid
		if !idempotent {
			kind = provider.KindUnknownOutcome // a 200 to a write says it was done, however garbled
		}
		return nil, nil, c.http.Errorf(kind, op, 0, "malformed JSON-RPC answer to %s: %v", method, derr)
	}
	return env.Result, nil, nil
}

// read calls a method that changes nothing, so it is safe to resend.
func (c *Client) read(ctx context.Context, op, service, method string, params any) (json.RawMessage, error) {
	result, fail, err := c.call(ctx, op, service, method, params, true)
	if err != nil {
		return nil, err
	}
	if fail != nil {
		return nil, c.rpcError(op, fail, false)
	}
	return result, nil
}

// rpcError maps a JSON-RPC error to a provider error. Request errors are the caller's fault;
// an internal or server-defined error is worth retrying later for a read, and for a write it
// leaves the outcome unknown.
func (c *Client) rpcError(op string, f *rpcFailure, write bool) *provider.Error {
	kind := provider.KindInvalid
	switch f.err.Code {
	case codeParseError, codeInvalidRequest, codeMethodNotFound, codeInvalidParams:
	default:
		kind = provider.KindTransient
		if write {
			kind = provider.KindUnknownOutcome
		}
	}
	status := f.status
	if status == http.StatusOK {
		status = 0 // "(HTTP 200)" next to an error would only confuse
	}
	return c.http.Errorf(kind, op, status, "JSON-RPC error %d (%s): %s", f.err.Code, f.err.Message, f.err.Details)
}
