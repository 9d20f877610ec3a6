package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"regexp"
	"strconv"
)

// The WebSocket wire protocol: JSON text frames with an "op". docs/protocol.md
// describes it for client authors; keep the two in step.

// Client ops.
const (
	opSub   = "sub"
	opUnsub = "unsub"
	opPub   = "pub"
	opPing  = "ping"
)

// Server ops.
const (
	opSubscribed = "subscribed"
	opMsg        = "msg"
	opAck        = "ack"
	opError      = "error"
	opPresence   = "presence"
	opPong       = "pong"
)

// Close codes beyond the standard ones. 4000-4999 are for applications.
const (
	closeCredentialsRevoked = 4001 // the session or token the socket signed in with is gone
	closeTooSlow            = 4008 // the client fell too far behind; resume from its last offset
)

// maxClientIDLen bounds a request id, which is also the idempotency key
// of a pub.
const maxClientIDLen = 128

// clientFrame is any frame a client sends.
type clientFrame struct {
	Op     string          `json:"op"`
	Topic  string          `json:"topic"`
	ID     json.RawMessage `json:"id"`     // a string or number, echoed in the answer
	Offset *int64          `json:"offset"` // sub: the last offset the client saw
	Epoch  int64           `json:"epoch"`  // sub: the epoch that offset belongs to
	Token  string          `json:"token"`  // sub: a share token, for spectators
	Data   json.RawMessage `json:"data"`   // pub: the payload
}

// frameError is the error part of an error frame; Code is one of the
// codes listed in docs/protocol.md.
type frameError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *frameError) Error() string { return e.Code + ": " + e.Message }

func newFrameError(code, message string) *frameError {
	return &frameError{Code: code, Message: message}
}

// serverFrame is every frame the server sends except msg, which
// encodeMsgFrame writes by hand because it is on the fan-out path.
type serverFrame struct {
	Op        string          `json:"op"`
	Topic     string          `json:"topic,omitempty"`
	ID        json.RawMessage `json:"id,omitempty"`
	Offset    *int64          `json:"offset,omitempty"`
	Epoch     *int64          `json:"epoch,omitempty"`
	Recovered *bool           `json:"recovered,omitempty"`
	Duplicate bool            `json:"duplicate,omitempty"`
	Snapshot  any             `json:"snapshot,omitempty"`
	Count     *int            `json:"count,omitempty"`
	Readers   *int            `json:"readers,omitempty"` // presence: how many of count may only read
	Error     *frameError     `json:"error,omitempty"`
}

func (f serverFrame) encode() []byte {
	b, err := json.Marshal(f)
	if err != nil { // only a snapshot that cannot be encoded gets here
		b, _ = json.Marshal(serverFrame{Op: opError, Topic: f.Topic, ID: f.ID, Error: newFrameError("internal", "could not encode the answer")})
	}
	return b
}

func errorFrame(id json.RawMessage, topic string, e *frameError) []byte {
	return serverFrame{Op: opError, ID: id, Topic: topic, Error: e}.encode()
}

// encodeMsgFrame writes {"op":"msg","topic":...,"offset":...,"epoch":...,"data":...}
// once per message; every subscriber gets the same bytes.
func encodeMsgFrame(m Message) []byte {
	topic, _ := json.Marshal(m.Topic)
	b := make([]byte, 0, 64+len(topic)+len(m.Data))
	b = append(b, `{"op":"msg","topic":`...)
	b = append(b, topic...)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, m.Offset, 10)
	b = append(b, `,"epoch":`...)
	b = strconv.AppendInt(b, m.Epoch, 10)
	b = append(b, `,"data":`...)
	b = append(b, m.Data...)
	return append(b, '}')
}

// wsTextFrame returns payload as one complete, unmasked WebSocket text
// frame (RFC 6455 section 5.2), header and payload in one allocation.
// Server frames are the same bytes for every subscriber, so the hub frames
// each message once and writes those bytes to every socket, rather than
// having the WebSocket library frame it again per socket.
func wsTextFrame(payload []byte) []byte {
	n := len(payload)
	var b []byte
	switch {
	case n < 126:
		b = append(make([]byte, 0, 2+n), 0x81, byte(n))
	case n < 1<<16:
		b = append(make([]byte, 0, 4+n), 0x81, 126, byte(n>>8), byte(n))
	default:
		b = append(make([]byte, 0, 10+n), 0x81, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

// decodeClientFrame parses and checks one client frame. It never panics on
// any input; the fuzz test holds it to that.
func decodeClientFrame(data []byte) (clientFrame, *frameError) {
	var f clientFrame
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return f, newFrameError("invalid_json", `frames are JSON objects such as {"op":"sub","topic":"user:1"}`)
	}
	if err := json.Unmarshal(trimmed, &f); err != nil {
		return clientFrame{}, newFrameError("invalid_json", "frame is not valid JSON for this protocol: "+err.Error())
	}
	if len(f.ID) > 0 {
		if !validClientID(f.ID) {
			return clientFrame{}, newFrameError("invalid_id", "id must be a string of at most 128 characters or a number")
		}
	}
	return f, nil
}

// validClientID accepts a JSON string (1-128 bytes of content) or number.
func validClientID(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return true
	}
	switch raw[0] {
	case '"':
		var s string
		return json.Unmarshal(raw, &s) == nil && s != "" && len(s) <= maxClientIDLen
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return len(raw) <= 32
	}
	return false
}

// topicPattern is kind, then optionally ":" and an id.
var topicPattern = regexp.MustCompile(`^([a-z]{1,32})(?::([A-Za-z0-9_-]{1,64}))?$`)

// parseTopic splits "kind:id" (or a bare "kind").
func parseTopic(topic string) (kind, id string, ok bool) {
	m := topicPattern.FindStringSubmatch(topic)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}
