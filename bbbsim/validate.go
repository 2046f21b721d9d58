package bbbsim

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// meetingIDParam returns the meetingID of a request after bbb-web's checks,
// in a fixed order where bbb-web would pick one at random.
func meetingIDParam(a *apiRequest) (string, apiError, bool) {
	raw := a.raw("meetingID")
	id := sanitize(raw)
	switch n := utf8.RuneCountInString(id); {
	case id == "":
		return "", errMissingMeetingID, false
	case id != raw:
		return "", errInvalidMeetingID, false
	case n < 2 || n > 256:
		return "", errMeetingIDLength, false
	case strings.Contains(id, ","):
		return "", errMeetingIDComma, false
	}
	return id, apiError{}, true
}

// parseBool accepts what bbb-web's boolean constraint accepts.
func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// optionalBool reads a boolean parameter; absent is false.
func optionalBool(a *apiRequest, name string) (bool, apiError, bool) {
	v := a.get(name)
	if v == "" {
		return false, apiError{}, true
	}
	b, ok := parseBool(v)
	if !ok {
		return false, invalidParam(name, "must be true or false"), false
	}
	return b, apiError{}, true
}

// optionalInt reads a non-negative integer parameter; absent is 0.
func optionalInt(a *apiRequest, name string) (int, apiError, bool) {
	v := a.get(name)
	if v == "" {
		return 0, apiError{}, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, invalidParam(name, "must be a non-negative integer"), false
	}
	return n, apiError{}, true
}

// metaName is what bbb-web accepts as a meta_ parameter: no underscore after
// the prefix.
var metaName = regexp.MustCompile(`^meta_[a-zA-Z][a-zA-Z0-9-]*$`)

// metadata collects the meta_ parameters of a create, keys lower-cased and
// sorted so the document is stable.
func metadata(params url.Values) bbb.Metadata {
	md := bbb.Metadata{}
	for name, vs := range params {
		if !metaName.MatchString(name) || len(vs) == 0 {
			continue
		}
		md = append(md, bbb.MetaEntry{Key: strings.ToLower(name[len("meta_"):]), Value: sanitize(vs[0])})
	}
	slices.SortFunc(md, func(a, b bbb.MetaEntry) int { return strings.Compare(a.Key, b.Key) })
	// meta_Foo and meta_foo name the same key; keep one.
	return slices.CompactFunc(md, func(a, b bbb.MetaEntry) bool { return a.Key == b.Key })
}

// customData collects the userdata-<key> parameters of a join; keys with a
// further dash are dropped, as bbb-web does.
func customData(params url.Values) *bbb.Metadata {
	var cd bbb.Metadata
	for name, vs := range params {
		parts := strings.Split(name, "-")
		if len(parts) != 2 || parts[0] != "userdata" || parts[1] == "" || len(vs) == 0 {
			continue
		}
		cd = append(cd, bbb.MetaEntry{Key: parts[1], Value: sanitize(vs[0])})
	}
	if len(cd) == 0 {
		return nil
	}
	slices.SortFunc(cd, func(a, b bbb.MetaEntry) int { return strings.Compare(a.Key, b.Key) })
	return &cd
}
