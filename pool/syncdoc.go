package pool

import (
	"encoding/json"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// SyncDocument is the servers document of Scalelite's servers:sync task: the
// whole pool, by server id. Sync makes the pool match it; Export writes it.
type SyncDocument struct {
	Servers map[string]SyncServer `yaml:"servers" json:"servers"`
}

// SyncServer is one server of a SyncDocument, with the defaults applied.
type SyncServer struct {
	URL    string `yaml:"url" json:"url"`
	Secret string `yaml:"secret" json:"secret"`
	// Enabled true makes the server enabled; false cordons an enabled
	// server and leaves a cordoned or disabled one as it is.
	Enabled        bool    `yaml:"enabled" json:"enabled"`
	LoadMultiplier float64 `yaml:"load_multiplier" json:"load_multiplier"`
	Tag            string  `yaml:"tag,omitempty" json:"tag,omitempty"`
}

// ignoredSyncKeys are what the verbose export of Scalelite adds; a document
// may carry them, but the state they describe is the pool's, not the
// document's to set.
var ignoredSyncKeys = map[string]bool{"load": true, "state": true, "bbb_version": true, "online": true}

// ParseSyncYAML reads a servers document written in YAML.
func ParseSyncYAML(data []byte) (SyncDocument, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return SyncDocument{}, invalidf("servers document: %v", err)
	}
	return parseSyncNode(&root)
}

// ParseSyncJSON reads a servers document written in JSON.
func ParseSyncJSON(data []byte) (SyncDocument, error) {
	if !json.Valid(data) {
		return SyncDocument{}, invalidf("servers document: not valid JSON")
	}
	// JSON is YAML, so one reader checks both formats alike.
	return ParseSyncYAML(data)
}

// parseSyncNode checks a parsed document and applies the defaults:
// url https://<id>/bigbluebutton/api, enabled true, load_multiplier 1.
func parseSyncNode(root *yaml.Node) (SyncDocument, error) {
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = resolveAlias(root)
	if root.Kind != yaml.MappingNode {
		return SyncDocument{}, invalidf("servers document: want a mapping with a servers key")
	}
	var servers *yaml.Node
	err := eachPair(root, "servers document", func(key string, value *yaml.Node) error {
		if key != "servers" {
			return invalidf("servers document: unknown key %q (want servers)", key)
		}
		servers = value
		return nil
	})
	if err != nil {
		return SyncDocument{}, err
	}
	if servers == nil {
		return SyncDocument{}, invalidf("servers document: no servers key")
	}
	doc := SyncDocument{Servers: map[string]SyncServer{}}
	if isNull(servers) {
		return doc, nil
	}
	if servers.Kind != yaml.MappingNode {
		return SyncDocument{}, invalidf("servers document: servers must be a mapping of server id to server")
	}
	err = eachPair(servers, "servers", func(id string, value *yaml.Node) error {
		if err := checkServerID(id); err != nil {
			return err
		}
		s, err := parseSyncServer(id, value)
		if err != nil {
			return err
		}
		doc.Servers[id] = s
		return nil
	})
	if err != nil {
		return SyncDocument{}, err
	}
	return doc, nil
}

func parseSyncServer(id string, n *yaml.Node) (SyncServer, error) {
	s := SyncServer{Enabled: true, LoadMultiplier: 1}
	if n.Kind != yaml.MappingNode {
		return s, invalidf("server %q: want a mapping with at least a secret", id)
	}
	var hasURL, hasSecret bool
	err := eachPair(n, fmt.Sprintf("server %q", id), func(key string, v *yaml.Node) error {
		var err error
		switch {
		case key == "url":
			s.URL, err = scalarString(v)
			hasURL = s.URL != ""
		case key == "secret":
			s.Secret, err = scalarString(v)
			hasSecret = s.Secret != ""
		case key == "tag":
			s.Tag, err = scalarString(v)
		case key == "enabled":
			if !isNull(v) {
				err = v.Decode(&s.Enabled)
			}
		case key == "load_multiplier":
			if !isNull(v) {
				s.LoadMultiplier, err = scalarFloat(v)
			}
		case ignoredSyncKeys[key]:
		default:
			return invalidf("server %q: unknown key %q", id, key)
		}
		if err != nil {
			return invalidf("server %q: %s: %v", id, key, err)
		}
		return nil
	})
	if err != nil {
		return s, err
	}
	if !hasSecret {
		return s, invalidf("server %q needs a secret", id)
	}
	if err := checkSecret(fmt.Sprintf("server %q", id), s.Secret); err != nil {
		return s, err
	}
	if !hasURL {
		s.URL = "https://" + id + "/bigbluebutton/api"
	}
	if _, err := checkServerURL(s.URL); err != nil {
		return s, invalidf("server %q: %v", id, err)
	}
	if err := checkLoadMultiplier(s.LoadMultiplier); err != nil {
		return s, invalidf("server %q: %v", id, err)
	}
	if err := checkTag(s.Tag); err != nil {
		return s, invalidf("server %q: %v", id, err)
	}
	return s, nil
}

// eachPair calls fn for each key and value of a mapping, refusing keys that
// are not scalars and keys given twice.
func eachPair(m *yaml.Node, what string, fn func(key string, value *yaml.Node) error) error {
	seen := make(map[string]bool, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := resolveAlias(m.Content[i])
		if k.Kind != yaml.ScalarNode {
			return invalidf("%s: keys must be plain strings", what)
		}
		if seen[k.Value] {
			return invalidf("%s: key %q given twice", what, k.Value)
		}
		seen[k.Value] = true
		if err := fn(k.Value, resolveAlias(m.Content[i+1])); err != nil {
			return err
		}
	}
	return nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// scalarString returns a scalar's text as written, so a secret of digits
// keeps its leading zeros; null is "".
func scalarString(n *yaml.Node) (string, error) {
	if isNull(n) {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("want a string")
	}
	return n.Value, nil
}

// scalarFloat returns a number, written plain or quoted.
func scalarFloat(n *yaml.Node) (float64, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("want a number")
	}
	f, err := strconv.ParseFloat(n.Value, 64)
	if err != nil {
		return 0, fmt.Errorf("want a number, got %q", n.Value)
	}
	return f, nil
}
