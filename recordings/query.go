package recordings

import (
	"strconv"
	"strings"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// Pagination bounds of BBB 2.6's getRecordings.
const (
	MinLimit = 1
	MaxLimit = 100
)

// QueryOptions are the settings a getRecordings query depends on.
type QueryOptions struct {
	// Filtered requires meetingID or recordID (recordings.filtered).
	Filtered bool
	// Tenant scopes the query to one tenant's recordings; "" without
	// multitenancy.
	Tenant string
}

// ParseQuery turns getRecordings parameters into a store query (DESIGN §6.7):
//   - meetingID and recordID are comma lists, exact IDs and prefixes;
//   - state is a comma list, "any" meaning every state;
//   - every meta_<key> must match, the key lower-cased as BBB does, with %
//     at the start or end of the value as a wildcard;
//   - offset and limit paginate as in BBB 2.6: a limit that is missing or
//     not a number means no pagination at all; otherwise it is clamped to
//     1..100 and a negative or invalid offset is 0.
//
// paginated tells whether the answer must carry totalElements. In filtered
// mode a query without meetingID and recordID is ErrMissingParameters.
func ParseQuery(p bbb.Params, opts QueryOptions) (q store.RecordingQuery, paginated bool, err error) {
	q.MeetingIDs = SplitList(p.Get("meetingID"))
	q.RecordIDs = SplitList(p.Get("recordID"))
	if opts.Filtered && len(q.MeetingIDs) == 0 && len(q.RecordIDs) == 0 {
		return store.RecordingQuery{}, false, bbb.ErrMissingParameters
	}
	for _, s := range SplitList(p.Get("state")) {
		q.States = append(q.States, strings.ToLower(s))
	}
	for _, kv := range p {
		key, ok := strings.CutPrefix(kv.Key, "meta_")
		if !ok || key == "" {
			continue
		}
		key = strings.ToLower(key)
		if q.Meta == nil {
			q.Meta = map[string]string{}
		}
		if _, seen := q.Meta[key]; !seen {
			q.Meta[key] = kv.Value
		}
	}
	q.Tenant = opts.Tenant
	if limit, err := strconv.Atoi(strings.TrimSpace(p.Get("limit"))); err == nil {
		q.Limit = min(max(limit, MinLimit), MaxLimit)
		if offset, err := strconv.Atoi(strings.TrimSpace(p.Get("offset"))); err == nil {
			q.Offset = max(offset, 0)
		}
		paginated = true
	}
	return q, paginated, nil
}

// SplitList splits a comma list of IDs, trimming spaces around each and
// dropping empty and repeated items, so "a, b,,a" is [a b].
func SplitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" || seen[item] {
			continue
		}
		seen[item] = true
		out = append(out, item)
	}
	return out
}
