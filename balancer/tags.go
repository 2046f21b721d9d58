package balancer

import (
	"errors"
	"slices"
	"strings"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// ServerTagParam is the create parameter that asks for servers with a tag.
const ServerTagParam = "meta_server-tag"

// noneTag in a tag list matches the untagged servers.
const noneTag = "none"

// TagRequest is a parsed meta_server-tag value: a list of acceptable tags and
// whether one of them is required.
type TagRequest struct {
	// Tags in the order given; empty means no tag was asked for.
	Tags []string
	// Required forbids falling back to untagged servers.
	Required bool
}

// ParseTag parses a meta_server-tag value: tags separated by ';', with a
// trailing '!' making them required. A blank value or a lone '!' asks for
// nothing. Empty list items are ignored.
func ParseTag(v string) TagRequest {
	v = strings.TrimSpace(v)
	var req TagRequest
	if s, ok := strings.CutSuffix(v, "!"); ok {
		v, req.Required = s, true
	}
	for t := range strings.SplitSeq(v, ";") {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(req.Tags, t) {
			req.Tags = append(req.Tags, t)
		}
	}
	if len(req.Tags) == 0 {
		// "!" alone is no tag, and nothing can be required of no tag.
		req.Required = false
	}
	return req
}

// String returns the tags as written in meta_server-tag, without the '!': the
// form the serverTagUnavailable message names.
func (r TagRequest) String() string { return strings.Join(r.Tags, ";") }

// matches reports whether a server with tag serverTag satisfies one of the
// requested tags.
func (r TagRequest) matches(serverTag string) bool {
	for _, t := range r.Tags {
		if t == serverTag || (t == noneTag && serverTag == "") {
			return true
		}
	}
	return false
}

// ErrNoServer means no server can take a new meeting.
var ErrNoServer = errors.New("no available server")

// TagUnavailableError means a required tag has no available server.
type TagUnavailableError struct {
	// Tag is the requested tag list without its '!'.
	Tag string
}

// Error names the tag.
func (e *TagUnavailableError) Error() string {
	return "no available server with the required tag " + e.Tag
}

// ChooseServer picks the server for a new meeting from candidates (the
// placeable servers, ordered by load then id) as Scalelite's find_available
// does: the least loaded server whose tag is one asked for (none = untagged);
// without a match, or without a tag, the least loaded untagged server, unless
// the tag is required. With no usable server at all it is ErrNoServer,
// required tag or not. Tagged servers never take a meeting that did not ask
// for their tag. Servers for which skip returns true are left out. Ties go to
// the lowest id, whatever order candidates came in.
func ChooseServer(candidates []store.Server, tag TagRequest, skip func(store.Server) bool) (store.Server, error) {
	var tagged, untagged *store.Server
	anyPlaceable := false
	for i := range candidates {
		s := &candidates[i]
		if !s.Placeable() || (skip != nil && skip(*s)) {
			continue
		}
		anyPlaceable = true
		if len(tag.Tags) > 0 && tag.matches(s.Tag) && better(s, tagged) {
			tagged = s
		}
		if s.Tag == "" && better(s, untagged) {
			untagged = s
		}
	}
	switch {
	case tagged != nil:
		return *tagged, nil
	case !anyPlaceable:
		// An empty pool is a pool problem, whatever tag was asked for.
		return store.Server{}, ErrNoServer
	case tag.Required:
		return store.Server{}, &TagUnavailableError{Tag: tag.String()}
	case untagged != nil:
		return *untagged, nil
	}
	return store.Server{}, ErrNoServer
}

// better reports whether s should be chosen over the best so far.
func better(s, best *store.Server) bool {
	if best == nil {
		return true
	}
	if s.Load != best.Load {
		return s.Load < best.Load
	}
	return s.ID < best.ID
}
