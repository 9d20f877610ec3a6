package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Message is one entry in a topic's history: what the hub fans out and
// what resume replays. Offsets start at 1 and grow by one per message, in
// commit order; Epoch names the history they belong to.
type Message struct {
	Topic     string
	Offset    int64
	Epoch     int64
	CreatedAt time.Time
	Data      json.RawMessage // a JSON value, as sent
}

// TopicHead is where a topic stands: its epoch, its last offset, and the
// oldest offset still kept (0 when none are).
type TopicHead struct {
	Epoch  int64
	Last   int64
	Oldest int64
}

// newEpoch picks a topic epoch: random, positive, and exact as a JSON
// number in JavaScript (under 2^53).
func newEpoch() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>12) | 1
}

// SetPublisher installs fn to receive every message after the transaction
// that appended it commits, in offset order. The hub installs itself here.
func (s *Store) SetPublisher(fn func(Message)) { s.publish.Store(&fn) }

var (
	nextOffsetSQL = prepared(`INSERT INTO topics (name, epoch, last_offset) VALUES (?, ?, 1)
		ON CONFLICT (name) DO UPDATE SET last_offset = last_offset + 1
		RETURNING epoch, last_offset`)
	appendMessageSQL = prepared("INSERT INTO topic_messages (topic, offset, created_at, sender, client_id, data) VALUES (?, ?, ?, ?, ?, ?)")
)

// AppendMessage adds data to topic's history inside tx, assigning the next
// offset, and hands it to the publisher once tx commits. A non-empty
// clientID makes the append idempotent per (topic, sender, clientID): a
// repeat returns the first message and dup true, and appends nothing.
func (s *Store) AppendMessage(tx *Tx, topic string, data json.RawMessage, sender int64, clientID string) (msg Message, dup bool, err error) {
	if clientID != "" {
		var created int64
		err := tx.QueryRow(`SELECT m.offset, t.epoch, m.created_at, m.data FROM topic_messages m JOIN topics t ON t.name = m.topic
			WHERE m.topic = ? AND m.sender = ? AND m.client_id = ?`, topic, sender, clientID).Scan(&msg.Offset, &msg.Epoch, &created, &msg.Data)
		if err == nil {
			msg.Topic, msg.CreatedAt = topic, fromMS(created)
			return msg, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return msg, false, err
		}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err = tx.QueryRow(nextOffsetSQL, topic, newEpoch()).Scan(&msg.Epoch, &msg.Offset)
	if err != nil {
		return msg, false, fmt.Errorf("next offset of %s: %w", topic, err)
	}
	var cid any
	if clientID != "" {
		cid = clientID
	}
	if _, err := tx.Exec(appendMessageSQL,
		topic, msg.Offset, ms(now), sender, cid, []byte(data)); err != nil {
		return msg, false, fmt.Errorf("append to %s: %w", topic, err)
	}
	msg.Topic, msg.CreatedAt, msg.Data = topic, now, data
	tx.AfterCommit(func() {
		if fn := s.publish.Load(); fn != nil {
			(*fn)(msg)
		}
	})
	return msg, false, nil
}

// PublishEvent appends a server event (any JSON-encodable value) to topic.
func (s *Store) PublishEvent(tx *Tx, topic string, event any) error {
	data, err := json.Marshal(event)
	if err != nil {
		return err
	}
	_, _, err = s.AppendMessage(tx, topic, data, 0, "")
	return err
}

// TopicHead reads where topic stands. A topic that never had a message has
// epoch 0 and offset 0.
func (s *Store) TopicHead(ctx context.Context, topic string) (TopicHead, error) {
	return topicHead(ctx, s.reader, topic)
}

func topicHead(ctx context.Context, q querier, topic string) (TopicHead, error) {
	var h TopicHead
	err := q.QueryRowContext(ctx, `SELECT t.epoch, t.last_offset,
		coalesce((SELECT min(offset) FROM topic_messages WHERE topic = t.name), 0)
		FROM topics t WHERE t.name = ?`, topic).Scan(&h.Epoch, &h.Last, &h.Oldest)
	if errors.Is(err, sql.ErrNoRows) {
		return TopicHead{}, nil
	}
	return h, err
}

// MessagesAfter returns topic's messages with offsets after `after`, in
// order, at most limit of them.
func (s *Store) MessagesAfter(ctx context.Context, topic string, after int64, limit int) ([]Message, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT m.offset, t.epoch, m.created_at, m.data FROM topic_messages m JOIN topics t ON t.name = m.topic
		WHERE m.topic = ? AND m.offset > ? ORDER BY m.offset LIMIT ?`, topic, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []Message
	for rows.Next() {
		m := Message{Topic: topic}
		var created int64
		var data []byte
		if err := rows.Scan(&m.Offset, &m.Epoch, &created, &data); err != nil {
			return nil, err
		}
		m.CreatedAt, m.Data = fromMS(created), data
		list = append(list, m)
	}
	return list, rows.Err()
}

// Retention says how much history a kind of topic keeps: messages younger
// than MaxAge, and at most MaxCount per topic. Zero means no limit.
type Retention struct {
	MaxAge   time.Duration
	MaxCount int64
}

// PruneTopics deletes the history that r no longer keeps from every topic
// of one kind ("user" covers "user:1", "user:2"...; "games" is itself).
// The topics keep their offsets and epochs. It returns how many messages
// went.
func (s *Store) PruneTopics(ctx context.Context, kind string, r Retention) (int64, error) {
	var deleted int64
	match := "(topic = ?1 OR topic >= ?1 || ':' AND topic < ?1 || ';')" // ';' sorts right after ':'
	err := s.Write(ctx, func(tx *Tx) error {
		deleted = 0
		if r.MaxAge > 0 {
			res, err := tx.Exec("DELETE FROM topic_messages WHERE "+match+" AND created_at < ?2", kind, ms(s.now().Add(-r.MaxAge)))
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			deleted += n
		}
		if r.MaxCount > 0 {
			res, err := tx.Exec(`DELETE FROM topic_messages WHERE `+match+` AND
				offset <= (SELECT last_offset FROM topics WHERE name = topic_messages.topic) - ?2`, kind, r.MaxCount)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			deleted += n
		}
		return nil
	})
	return deleted, err
}
