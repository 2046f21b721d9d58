package redis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// BindMeeting binds m unless (m.Tenant, m.ID) is bound already, taking the
// first of bridges no other live meeting holds. One script does the check,
// the bridge choice and the writes, so concurrent binds of one meeting
// create it once and concurrent binds of different meetings never share a
// bridge.
func (s *Store) BindMeeting(ctx context.Context, m store.Meeting, bridges []string) (store.Meeting, bool, error) {
	wrap := func(err error) error {
		return fmt.Errorf("redis: bind meeting %q of tenant %q: %w", m.ID, m.Tenant, err)
	}
	args := make([]any, 0, 11+len(bridges))
	args = append(args, s.prefix, meetingRef(m.Tenant, m.ID), m.Tenant, m.ID, m.ServerID, m.ModeratorPW,
		formatNanos(m.CreatedAt), formatFloat(m.ExpectedLoad),
		strconv.Itoa(m.Participants), strconv.Itoa(m.Moderators), strconv.Itoa(m.Videos))
	for _, b := range bridges {
		args = append(args, b)
	}
	v, err := bindMeetingScript.Run(ctx, s.rdb, nil, args...).Result()
	if err != nil {
		return store.Meeting{}, false, wrap(err)
	}
	list, err := replyList(v, 1)
	if err != nil {
		return store.Meeting{}, false, wrap(err)
	}
	status, _ := list[0].(int64)
	switch {
	case status == -1:
		return store.Meeting{}, false, wrap(store.ErrNoVoiceBridge)
	case status == 1 && len(list) == 2:
		bridge, ok := list[1].(string)
		if !ok {
			return store.Meeting{}, false, wrap(fmt.Errorf("unexpected bridge in reply: %T", list[1]))
		}
		m.VoiceBridge = bridge
		// Returned as stored: nanoseconds since the epoch, in UTC.
		if !m.CreatedAt.IsZero() {
			m.CreatedAt = time.Unix(0, m.CreatedAt.UnixNano()).UTC()
		}
		return m, true, nil
	case status == 0 && len(list) == 2:
		h, err := hashFromReply(list[1])
		if err != nil {
			return store.Meeting{}, false, wrap(err)
		}
		existing, err := decodeMeeting(h)
		if err != nil {
			return store.Meeting{}, false, wrap(err)
		}
		return existing, false, nil
	}
	return store.Meeting{}, false, wrap(fmt.Errorf("unexpected script reply status %v", list[0]))
}

// Meeting returns the binding of (tenant, id) or store.ErrNotFound.
func (s *Store) Meeting(ctx context.Context, tenant, id string) (store.Meeting, error) {
	h, err := s.rdb.HGetAll(ctx, s.key("meeting:", meetingRef(tenant, id))).Result()
	if err == nil && len(h) == 0 {
		err = store.ErrNotFound
	}
	var m store.Meeting
	if err == nil {
		m, err = decodeMeeting(h)
	}
	if err != nil {
		return store.Meeting{}, fmt.Errorf("redis: meeting %q of tenant %q: %w", id, tenant, err)
	}
	return m, nil
}

// MeetingServer returns the binding of (tenant, id) and its server in one
// script call; store.ErrNotFound if either is missing.
func (s *Store) MeetingServer(ctx context.Context, tenant, id string) (store.Meeting, store.Server, error) {
	m, srv, err := s.meetingServer(ctx, tenant, id)
	if err != nil {
		return store.Meeting{}, store.Server{}, fmt.Errorf("redis: meeting %q of tenant %q and its server: %w", id, tenant, err)
	}
	return m, srv, nil
}

func (s *Store) meetingServer(ctx context.Context, tenant, id string) (store.Meeting, store.Server, error) {
	v, err := meetingServerScript.Run(ctx, s.rdb, nil, s.prefix, meetingRef(tenant, id)).Result()
	if err != nil {
		return store.Meeting{}, store.Server{}, err
	}
	list, err := replyList(v, 0)
	if err != nil {
		return store.Meeting{}, store.Server{}, err
	}
	if len(list) == 0 {
		return store.Meeting{}, store.Server{}, store.ErrNotFound
	}
	if len(list) != 2 {
		return store.Meeting{}, store.Server{}, fmt.Errorf("unexpected script reply of length %d", len(list))
	}
	mh, err := hashFromReply(list[0])
	if err != nil {
		return store.Meeting{}, store.Server{}, err
	}
	m, err := decodeMeeting(mh)
	if err != nil {
		return store.Meeting{}, store.Server{}, err
	}
	sh, err := hashFromReply(list[1])
	if err != nil {
		return store.Meeting{}, store.Server{}, err
	}
	if len(sh) == 0 {
		return store.Meeting{}, store.Server{}, fmt.Errorf("server %s: %w", m.ServerID, store.ErrNotFound)
	}
	srv, err := decodeServer(m.ServerID, sh)
	if err != nil {
		return store.Meeting{}, store.Server{}, err
	}
	return m, srv, nil
}

// MeetingByVoiceBridge returns the live meeting holding a voice bridge, or
// store.ErrNotFound.
func (s *Store) MeetingByVoiceBridge(ctx context.Context, bridge string) (store.Meeting, error) {
	m, err := meetingFromReply(meetingByBridgeScript.Run(ctx, s.rdb, nil, s.prefix, bridge).Result())
	if err != nil {
		return store.Meeting{}, fmt.Errorf("redis: meeting with voice bridge %s: %w", bridge, err)
	}
	return m, nil
}

// Meetings lists bindings, ordered by tenant then id. It reads the smallest
// index set that covers the filter, then the bindings in one pipeline.
func (s *Store) Meetings(ctx context.Context, f store.MeetingFilter) ([]store.Meeting, error) {
	out, err := s.meetings(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("redis: list meetings: %w", err)
	}
	return out, nil
}

func (s *Store) meetings(ctx context.Context, f store.MeetingFilter) ([]store.Meeting, error) {
	index := s.key("meetings")
	switch {
	case f.ServerID != "":
		index = s.key("server-meetings:", f.ServerID)
	case !f.AnyTenant:
		index = s.key("tenant-meetings:", f.Tenant)
	}
	var refs []string
	var err error
	if f.ID != "" {
		// A ref ends in ":<id>": let Redis pick the candidates.
		refs, err = s.scanRefs(ctx, index, "*:"+globEscape(f.ID))
	} else {
		refs, err = s.rdb.SMembers(ctx, index).Result()
	}
	if err != nil || len(refs) == 0 {
		return nil, err
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*goredis.MapStringStringCmd, len(refs))
	for i, ref := range refs {
		cmds[i] = pipe.HGetAll(ctx, s.key("meeting:", ref))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	out := make([]store.Meeting, 0, len(refs))
	for _, cmd := range cmds {
		h := cmd.Val()
		if len(h) == 0 {
			continue // removed since the index was read
		}
		m, err := decodeMeeting(h)
		if err != nil {
			return nil, err
		}
		if (f.ServerID != "" && m.ServerID != f.ServerID) || (!f.AnyTenant && m.Tenant != f.Tenant) || (f.ID != "" && m.ID != f.ID) {
			continue
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b store.Meeting) int {
		if c := strings.Compare(a.Tenant, b.Tenant); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// DeleteMeeting removes a binding and frees its voice bridge in one script;
// it returns the removed binding or store.ErrNotFound.
func (s *Store) DeleteMeeting(ctx context.Context, tenant, id string) (store.Meeting, error) {
	m, err := meetingFromReply(deleteMeetingScript.Run(ctx, s.rdb, nil, s.prefix, meetingRef(tenant, id)).Result())
	if err != nil {
		return store.Meeting{}, fmt.Errorf("redis: delete meeting %q of tenant %q: %w", id, tenant, err)
	}
	return m, nil
}

// SyncServerMeetings reconciles a server's bindings with a poll of it in one
// script: bindings seen get their live figures, bindings not seen that were
// created before pollStarted are removed and returned, newer ones are kept.
func (s *Store) SyncServerMeetings(ctx context.Context, serverID string, pollStarted time.Time, seen []store.MeetingStats) ([]store.Meeting, error) {
	started := formatNanos(pollStarted)
	if started == "" {
		// No binding is older than the zero time.
		started = strconv.FormatInt(minNanos, 10)
	}
	args := make([]any, 0, 3+4*len(seen))
	args = append(args, s.prefix, serverID, started)
	for _, st := range seen {
		args = append(args, meetingRef(st.Tenant, st.ID),
			strconv.Itoa(st.Participants), strconv.Itoa(st.Moderators), strconv.Itoa(st.Videos))
	}
	v, err := syncServerMeetingsScript.Run(ctx, s.rdb, nil, args...).Result()
	var removed []store.Meeting
	if err == nil {
		removed, err = meetingsFromReply(v)
	}
	if err != nil {
		return nil, fmt.Errorf("redis: sync meetings of server %s: %w", serverID, err)
	}
	return removed, nil
}

// minNanos is the smallest UnixNano.
const minNanos = -1 << 63

// scanRefs returns the members of an index set that match a glob pattern.
func (s *Store) scanRefs(ctx context.Context, index, pattern string) ([]string, error) {
	var refs []string
	iter := s.rdb.SScan(ctx, index, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) {
		refs = append(refs, iter.Val())
	}
	return refs, iter.Err()
}

// globEscape escapes the characters Redis's MATCH patterns give a meaning.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\', '^', '-':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// meetingFromReply decodes a script's answer holding one meeting hash; an
// empty hash means there is no such meeting.
func meetingFromReply(v any, err error) (store.Meeting, error) {
	if err != nil {
		return store.Meeting{}, err
	}
	h, err := hashFromReply(v)
	if err != nil {
		return store.Meeting{}, err
	}
	if len(h) == 0 {
		return store.Meeting{}, store.ErrNotFound
	}
	return decodeMeeting(h)
}
