package gravityzone

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// Standard JSON-RPC 2.0 error codes, the ones the GravityZone API answers with.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternalError  = -32603
)

var codeMessages = map[int]string{
	CodeParseError:     "Parse error",
	CodeInvalidRequest: "Invalid Request",
	CodeMethodNotFound: "Method not found",
	CodeInvalidParams:  "Invalid params",
	CodeInternalError:  "Internal error",
}

// rpcError is the error member of a response: {code, message, data: {details}}, the shape
// Bitdefender's own n8n node reads (error.data.details).
type rpcError struct {
	Code    int          `json:"code"`
	Message string       `json:"message"`
	Data    rpcErrorData `json:"data"`
}

type rpcErrorData struct {
	Details string `json:"details"`
}

func newError(code int, format string, args ...any) *rpcError {
	return &rpcError{Code: code, Message: codeMessages[code], Data: rpcErrorData{Details: fmt.Sprintf(format, args...)}}
}

func invalidParams(format string, args ...any) *rpcError {
	return newError(CodeInvalidParams, format, args...)
}

// rpcRequest is a decoded call. ID keeps its raw JSON so the answer echoes it exactly.
type rpcRequest struct {
	ID     json.RawMessage
	Method string
	Params map[string]json.RawMessage
}

// nullID is the id of an answer to a request whose id could not be read.
var nullID = json.RawMessage("null")

// parseRequest checks the envelope strictly: one JSON object with jsonrpc "2.0", a method name,
// a string or number id, and params that are an object (absent or null reads as {}).
func parseRequest(body []byte) (rpcRequest, *rpcError) {
	req := rpcRequest{ID: nullID}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if !json.Valid(trimmed) {
			return req, newError(CodeParseError, "The request body is not valid JSON.")
		}
		return req, newError(CodeInvalidRequest, "Batch requests are not supported.")
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &env); err != nil {
		if json.Valid(trimmed) {
			return req, newError(CodeInvalidRequest, "The request must be a JSON object.")
		}
		return req, newError(CodeParseError, "The request body is not valid JSON.")
	}
	if env == nil {
		return req, newError(CodeInvalidRequest, "The request must be a JSON object.")
	}
	if raw, ok := env["id"]; ok && validID(raw) {
		req.ID = raw
	} else {
		return req, newError(CodeInvalidRequest, "The request id must be a string or a number.")
	}
	var version string
	if err := json.Unmarshal(env["jsonrpc"], &version); err != nil || version != "2.0" {
		return req, newError(CodeInvalidRequest, `The jsonrpc member must be "2.0".`)
	}
	if err := json.Unmarshal(env["method"], &req.Method); err != nil || req.Method == "" {
		return req, newError(CodeInvalidRequest, "The method member must be a non-empty string.")
	}
	req.Params = map[string]json.RawMessage{}
	if raw, ok := env["params"]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if err := json.Unmarshal(raw, &req.Params); err != nil {
			return req, invalidParams("The params member must be an object.")
		}
	}
	return req, nil
}

func validID(raw json.RawMessage) bool {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false
	}
	switch v.(type) {
	case string, float64:
		return true
	}
	return false
}

// writeResult answers a successful call.
func writeResult(w http.ResponseWriter, id json.RawMessage, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "jsonrpc": "2.0", "result": result})
}

// writeError answers a failed call. JSON-RPC errors travel with HTTP 200, as JSON-RPC over HTTP
// servers commonly do; the transport status is kept for transport problems (401, 403, 405, 429).
func writeError(w http.ResponseWriter, id json.RawMessage, e *rpcError) {
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "jsonrpc": "2.0", "error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
