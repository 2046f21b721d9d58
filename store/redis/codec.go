package redis

import (
	"fmt"
	"strconv"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// Hash field names of a server (<prefix>server:<id>).
const (
	fURL            = "url"
	fSecret         = "secret"
	fTag            = "tag"
	fState          = "state"
	fOnline         = "online"
	fLoad           = "load"
	fLoadMultiplier = "load_multiplier"
	fMeetings       = "meetings"
	fUsers          = "users"
	fLargestMeeting = "largest_meeting"
	fVideos         = "videos"
	fBBBVersion     = "bbb_version"
	fHealthyCount   = "healthy_count"
	fUnhealthyCount = "unhealthy_count"
)

// serverFields returns a server's hash as field/value pairs. The id is not
// stored in the hash: it is the key's suffix.
func serverFields(s store.Server) []any {
	return []any{
		fURL, s.URL,
		fSecret, s.Secret,
		fTag, s.Tag,
		fState, string(s.State),
		fOnline, boolString(s.Online),
		fLoad, formatFloat(s.Load),
		fLoadMultiplier, formatFloat(s.LoadMultiplier),
		fMeetings, strconv.Itoa(s.Meetings),
		fUsers, strconv.Itoa(s.Users),
		fLargestMeeting, strconv.Itoa(s.LargestMeeting),
		fVideos, strconv.Itoa(s.Videos),
		fBBBVersion, s.BBBVersion,
		fHealthyCount, strconv.Itoa(s.HealthyCount),
		fUnhealthyCount, strconv.Itoa(s.UnhealthyCount),
	}
}

// decodeServer builds a server from its id and hash.
func decodeServer(id string, h map[string]string) (store.Server, error) {
	d := decoder{h: h}
	s := store.Server{
		ID:             id,
		URL:            h[fURL],
		Secret:         h[fSecret],
		Tag:            h[fTag],
		State:          store.ServerState(h[fState]),
		Online:         h[fOnline] == "1",
		Load:           d.float(fLoad),
		LoadMultiplier: d.float(fLoadMultiplier),
		Meetings:       d.int(fMeetings),
		Users:          d.int(fUsers),
		LargestMeeting: d.int(fLargestMeeting),
		Videos:         d.int(fVideos),
		BBBVersion:     h[fBBBVersion],
		HealthyCount:   d.int(fHealthyCount),
		UnhealthyCount: d.int(fUnhealthyCount),
	}
	if d.err != nil {
		return store.Server{}, fmt.Errorf("server %s: %w", id, d.err)
	}
	return s, nil
}

// decodeMeeting builds a binding from its hash (see bindMeetingScript for
// the field names).
func decodeMeeting(h map[string]string) (store.Meeting, error) {
	d := decoder{h: h}
	m := store.Meeting{
		Tenant:       h["tenant"],
		ID:           h["id"],
		ServerID:     h["server"],
		ModeratorPW:  h["moderator_pw"],
		VoiceBridge:  h["bridge"],
		CreatedAt:    d.nanos("created"),
		ExpectedLoad: d.float("expected_load"),
		Participants: d.int("participants"),
		Moderators:   d.int("moderators"),
		Videos:       d.int("videos"),
	}
	if d.err != nil {
		return store.Meeting{}, fmt.Errorf("meeting %q of tenant %q: %w", m.ID, m.Tenant, d.err)
	}
	return m, nil
}

// decoder parses hash fields, keeping the first error.
type decoder struct {
	h   map[string]string
	err error
}

func (d *decoder) int(field string) int {
	v, ok := d.h[field]
	if !ok || v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("field %s: %w", field, err)
	}
	return n
}

func (d *decoder) float(field string) float64 {
	v, ok := d.h[field]
	if !ok || v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("field %s: %w", field, err)
	}
	return f
}

func (d *decoder) nanos(field string) time.Time {
	v, ok := d.h[field]
	if !ok || v == "" {
		return time.Time{}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if d.err == nil {
			d.err = fmt.Errorf("field %s: %w", field, err)
		}
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// formatNanos stores a time as UnixNano, keeping every digit; the zero time
// (whose UnixNano is undefined) is stored as "".
func formatNanos(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

// formatFloat writes the shortest form that parses back to the same float64.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// hashFromReply turns a flat field/value list from a script into a map.
func hashFromReply(v any) (map[string]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("unexpected script reply %T", v)
	}
	if len(list)%2 != 0 {
		return nil, fmt.Errorf("odd-length hash reply (%d items)", len(list))
	}
	h := make(map[string]string, len(list)/2)
	for i := 0; i < len(list); i += 2 {
		k, ok1 := list[i].(string)
		val, ok2 := list[i+1].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("unexpected hash reply items %T, %T", list[i], list[i+1])
		}
		h[k] = val
	}
	return h, nil
}

// meetingsFromReply decodes a script's list of meeting hashes.
func meetingsFromReply(v any) ([]store.Meeting, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("unexpected script reply %T", v)
	}
	out := make([]store.Meeting, 0, len(list))
	for _, item := range list {
		h, err := hashFromReply(item)
		if err != nil {
			return nil, err
		}
		m, err := decodeMeeting(h)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// replyList asserts that a script replied with a list of at least n items.
func replyList(v any, n int) ([]any, error) {
	list, ok := v.([]any)
	if !ok || len(list) < n {
		// Not %v: a reply may hold a server's secret.
		return nil, fmt.Errorf("unexpected script reply %T of length %d", v, len(list))
	}
	return list, nil
}
