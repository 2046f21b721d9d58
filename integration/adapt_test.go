package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/caddy-bbb/caddy-bbb/module"
)

// goldenSeparator parts a .caddyfiletest file into its Caddyfile and the
// JSON it must adapt to.
const goldenSeparator = "\n----------\n"

// TestCaddyfileAdapt adapts every caddyfile_adapt/*.caddyfiletest and
// compares the result with the file's expected JSON. Where the bbb app needs
// no runtime placeholder, it also provisions and validates that app, so a
// golden file cannot hold a config the app would refuse.
func TestCaddyfileAdapt(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("caddyfile_adapt", "*.caddyfiletest"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no caddyfile_adapt/*.caddyfiletest files")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			caddyfile, want, ok := strings.Cut(string(raw), goldenSeparator)
			if !ok {
				t.Fatalf("%s: no %q line between the Caddyfile and the JSON", file, strings.TrimSpace(goldenSeparator))
			}
			if !caddytest.CompareAdapt(t, file, caddyfile, "caddyfile", strings.TrimRight(want, "\n")) {
				t.Errorf("%s: adapted JSON differs (diff above)", file)
			}
			if !strings.Contains(want, "{env.") && !strings.Contains(want, "{file.") {
				provisionGolden(t, want)
			}
		})
	}
}

// provisionGolden provisions and validates the bbb app of an adapted config.
func provisionGolden(t *testing.T, adapted string) {
	t.Helper()
	var cfg struct {
		Apps map[string]json.RawMessage `json:"apps"`
	}
	if err := json.Unmarshal([]byte(adapted), &cfg); err != nil {
		t.Fatalf("golden JSON: %v", err)
	}
	raw, ok := cfg.Apps["bbb"]
	if !ok {
		t.Fatal("golden JSON has no bbb app")
	}
	app := new(module.App)
	if err := json.Unmarshal(raw, app); err != nil {
		t.Fatalf("bbb app JSON: %v", err)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: t.Context()})
	defer cancel()
	if err := app.Provision(ctx); err != nil {
		t.Fatalf("provision: %v", err)
	}
	if err := app.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
}

// TestCaddyfileAdaptErrors adapts invalid Caddyfiles: each must fail with a
// message that says what is wrong and names the file and line.
func TestCaddyfileAdaptErrors(t *testing.T) {
	// global wraps lines in the bbb global option, which starts on line 2:
	// the first line inside it is line 3.
	global := func(lines ...string) string {
		return "{\n\tbbb {\n\t\t" + strings.Join(lines, "\n\t\t") + "\n\t}\n}\n"
	}
	tests := []struct {
		name     string
		input    string
		wantMsg  string
		wantLine int
	}{
		{"unknown keyword", global("secrets s", "pol_interval 10s"), `unrecognized bbb option "pol_interval"`, 4},
		{"argument on the option", "{\n\tbbb extra {\n\t}\n}\n", "wrong argument count", 2},
		{"secrets without argument", global("secrets"), "wrong argument count", 3},
		{"unknown algorithm", global("checksum_algorithms sha1 md5"), `unknown checksum algorithm "md5"`, 3},
		{"unknown outbound algorithm", global("outbound_checksum sha3"), `unknown checksum algorithm "sha3"`, 3},
		{"outbound with two algorithms", global("outbound_checksum sha1 sha256"), "wrong argument count", 3},
		{"duplicate outbound", global("outbound_checksum sha1", "outbound_checksum sha256"), "outbound_checksum: set twice", 4},
		{"store without kind", global("store"), "wrong argument count", 3},
		{"unknown store", global("store mysql"), `store: unknown store "mysql"`, 3},
		{"store with two paths", global("store sqlite a.db b.db"), "wrong argument count", 3},
		{"duplicate store", global("store sqlite", "store sqlite x.db"), "store: set twice", 4},
		{"redis without url", global("redis"), "wrong argument count", 3},
		{"redis bad scheme", global("redis http://localhost:6379"), "redis: invalid URL scheme", 3},
		{"redis unknown block option", global("redis redis://localhost {", "\tprefix x", "}"), `unrecognized redis option "prefix"`, 4},
		{"redis duplicate key prefix", global("redis redis://localhost {", "\tkey_prefix a:", "\tkey_prefix b:", "}"), "redis key_prefix: set twice", 5},
		{"duplicate redis", global("redis redis://a", "redis redis://b"), "redis: set twice", 4},
		{"postgres bad dsn", global("postgres localhost"), "want a postgres:// URL or key=value pairs", 3},
		{"bad duration", global("poll_interval soon"), `poll_interval: invalid duration "soon"`, 3},
		{"zero duration", global("connect_timeout 0s"), "connect_timeout: duration must be positive", 3},
		{"negative duration", global("response_timeout -1s"), "response_timeout: duration must be positive", 3},
		{"duration without argument", global("load_join_buffer_time"), "wrong argument count", 3},
		{"runtime placeholder in a duration", global("poll_interval {env.POLL_INTERVAL}"), "use {$VAR} instead", 3},
		{"duplicate duration", global("poll_interval 1m", "poll_interval 2m"), "poll_interval: set twice", 4},
		{"bad number", global("healthy_threshold two"), `healthy_threshold: invalid number "two"`, 3},
		{"zero threshold", global("unhealthy_threshold 0"), "unhealthy_threshold: must be at least 1, got 0", 3},
		{"negative min user count", global("load_min_user_count -1"), "load_min_user_count: must be at least 0", 3},
		{"negative meeting duration", global("max_meeting_duration -5"), "max_meeting_duration: must be at least 0", 3},
		{"voice bridge too long", global("voice_bridge_length 12"), "voice_bridge_length: must be 5 to 9, got 12", 3},
		{"flag with a bad boolean", global("server_id_is_hostname maybe"), `server_id_is_hostname: invalid boolean "maybe"`, 3},
		{"flag with two arguments", global("get_meetings_disabled true false"), "wrong argument count", 3},
		{"duplicate flag", global("use_external_voice_bridge", "use_external_voice_bridge"), "use_external_voice_bridge: set twice", 4},
		{"block after a flag", global("get_meetings_disabled {", "\tx", "}"), "get_meetings_disabled takes no block", 3},
		{"build number twice on a line", global("build_number a b"), "wrong argument count", 3},
		{"create without block", global("create"), "create: expected a block", 3},
		{"create unknown option", global("create {", "\tdefaults welcome hi", "}"), `unrecognized create option "defaults"`, 4},
		{"create default without value", global("create {", "\tdefault welcome", "}"), "wrong argument count", 4},
		{"create duplicate default", global("create {", "\tdefault welcome a", "\tdefault welcome b", "}"), "create default welcome: set twice", 5},
		{"join bad param name", global("join {", "\toverride bad/name x", "}"), `join override: invalid parameter name "bad/name"`, 4},
		{"join excludes checksum", global("join {", "\texclude checksum", "}"), "join exclude: the checksum parameter cannot be set or excluded", 4},
		{"recordings unknown option", global("recordings {", "\tspool /x", "}"), `unrecognized recordings option "spool"`, 4},
		{"recordings argument", global("recordings on {", "}"), "wrong argument count", 3},
		{"recordings dir without path", global("recordings {", "\tspool_dir", "}"), "wrong argument count", 4},
		{"recordings duplicate dir", global("recordings {", "\twork_dir /a", "\twork_dir /b", "}"), "recordings work_dir: set twice", 5},
		{"recordings bad format", global("recordings {", "\tplayback_formats presentation Video", "}"), `invalid playback format "Video"`, 4},
		{"recordings bad timeout", global("recordings {", "\ttoken_timeout 60", "}"), `token_timeout: invalid duration "60"`, 4},
		{"multitenancy with scheme", global("multitenancy https://bbb.example.com"), "multitenancy: invalid domain name", 3},
		{"multitenancy without domain", global("multitenancy"), "wrong argument count", 3},
		{"fsapi unknown option", global("fsapi {", "\tuser fsapi", "}"), `unrecognized fsapi option "user"`, 4},
		{"fsapi password twice", global("fsapi {", "\tpassword a", "\tpassword b", "}"), "fsapi password: set twice", 5},
		{"fsapi bad duration", global("fsapi {", "\tmax_duration 1h", "}"), `max_duration: invalid number "1h"`, 4},
		{
			"single-valued keyword in two blocks",
			"{\n\tbbb {\n\t\tpoll_interval 1m\n\t}\n\tbbb {\n\t\tpoll_interval 2m\n\t}\n}\n",
			"poll_interval: set twice", 6,
		},
		{"directive with argument", "http://localhost:8080 {\n\tbbb extra\n}\n", "wrong argument count", 2},
		{"directive with block", "http://localhost:8080 {\n\tbbb {\n\t\tsecrets x\n\t}\n}\n", `unrecognized bbb directive option "secrets"`, 3},
	}
	adapter := caddyconfig.GetAdapter("caddyfile")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := adapter.Adapt([]byte(tt.input), map[string]any{"filename": "Caddyfile"})
			if err == nil {
				t.Fatalf("adapting succeeded; want an error for:\n%s", tt.input)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error %q does not contain %q", msg, tt.wantMsg)
			}
			if at := "Caddyfile:" + strconv.Itoa(tt.wantLine); !strings.Contains(msg, at) {
				t.Errorf("error %q does not name %s", msg, at)
			}
		})
	}
}
