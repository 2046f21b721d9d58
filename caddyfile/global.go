package caddyfile

import (
	"encoding/json"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/module"
)

func init() {
	httpcaddyfile.RegisterGlobalOption("bbb", parseGlobal)
}

// parseGlobal parses the `bbb` global option into the bbb app:
//
//	bbb {
//		secrets <secret> [<secret>...]
//		checksum_algorithms <algorithm>...
//		outbound_checksum <algorithm>
//		store sqlite [<path>]
//		redis <url> {
//			key_prefix <prefix>
//		}
//		postgres <dsn>
//		poll_interval <duration>
//		healthy_threshold <n>
//		unhealthy_threshold <n>
//		connect_timeout <duration>
//		response_timeout <duration>
//		load_min_user_count <n>
//		load_join_buffer_time <duration>
//		server_id_is_hostname [true|false]
//		max_meeting_duration <minutes>
//		voice_bridge_length <digits>
//		use_external_voice_bridge [true|false]
//		get_meetings_disabled [true|false]
//		build_number <string>
//		create { default|override|exclude … }
//		join { default|override|exclude … }
//		recordings { … }
//		multitenancy <base domain>
//		fsapi {
//			password <password>
//			max_duration <minutes>
//		}
//	}
//
// Several `bbb` blocks are merged into one app, as if they were one block:
// lists (secrets, checksum_algorithms, playback_formats, exclude) and
// create/join parameters accumulate, and a single-valued keyword given in
// two blocks is an error, as it is within one block.
func parseGlobal(d *caddyfile.Dispenser, existing any) (any, error) {
	app := new(module.App)
	if existing != nil {
		prev, ok := existing.(httpcaddyfile.App)
		if !ok {
			return nil, d.Errf("bbb: unexpected earlier value of type %T", existing)
		}
		if err := json.Unmarshal(prev.Value, app); err != nil {
			return nil, d.Errf("bbb: reading the earlier bbb block: %v", err)
		}
	}
	d.Next() // the option name
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	seen := once{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		if err := parseKeyword(d, app, seen); err != nil {
			return nil, err
		}
	}
	return httpcaddyfile.App{Name: "bbb", Value: caddyconfig.JSON(app, nil)}, nil
}

// parseKeyword parses one line (or block) of the `bbb` global option.
func parseKeyword(d *caddyfile.Dispenser, a *module.App, seen once) error {
	kw := d.Val()
	var err error
	switch kw {
	case "secrets":
		var args []string
		if args, err = someArgs(d, kw); err == nil {
			a.Secrets = append(a.Secrets, args...)
		}

	case "checksum_algorithms":
		var args []string
		if args, err = someArgs(d, kw); err != nil {
			return err
		}
		for _, v := range args {
			if err := checkLiteral(d, kw, v, checkAlgorithm); err != nil {
				return err
			}
			a.ChecksumAlgorithms = append(a.ChecksumAlgorithms, lowerLiteral(v))
		}

	case "outbound_checksum":
		if err := seen.check(d, kw, a.OutboundChecksum != ""); err != nil {
			return err
		}
		var v string
		if v, err = oneArg(d, kw); err != nil {
			return err
		}
		if err := checkLiteral(d, kw, v, checkAlgorithm); err != nil {
			return err
		}
		a.OutboundChecksum = lowerLiteral(v)

	case "store":
		err = parseStore(d, a, seen)
	case "redis":
		err = parseRedis(d, a, seen)
	case "postgres":
		err = parsePostgres(d, a, seen)

	case "poll_interval":
		if err = seen.check(d, kw, a.PollInterval != 0); err == nil {
			a.PollInterval, err = durationArg(d, kw)
		}
	case "connect_timeout":
		if err = seen.check(d, kw, a.ConnectTimeout != 0); err == nil {
			a.ConnectTimeout, err = durationArg(d, kw)
		}
	case "response_timeout":
		if err = seen.check(d, kw, a.ResponseTimeout != 0); err == nil {
			a.ResponseTimeout, err = durationArg(d, kw)
		}
	case "load_join_buffer_time":
		if err = seen.check(d, kw, a.LoadJoinBufferTime != 0); err == nil {
			a.LoadJoinBufferTime, err = durationArg(d, kw)
		}
	case "healthy_threshold":
		if err = seen.check(d, kw, a.HealthyThreshold != 0); err == nil {
			a.HealthyThreshold, err = intArg(d, kw, 1, maxInt)
		}
	case "unhealthy_threshold":
		if err = seen.check(d, kw, a.UnhealthyThreshold != 0); err == nil {
			a.UnhealthyThreshold, err = intArg(d, kw, 1, maxInt)
		}
	case "load_min_user_count":
		if err = seen.check(d, kw, a.LoadMinUserCount != nil); err == nil {
			var n int
			if n, err = intArg(d, kw, 0, maxInt); err == nil {
				a.LoadMinUserCount = &n
			}
		}
	case "max_meeting_duration":
		if err = seen.check(d, kw, a.MaxMeetingDuration != 0); err == nil {
			a.MaxMeetingDuration, err = intArg(d, kw, 0, maxInt)
		}
	case "voice_bridge_length":
		if err = seen.check(d, kw, a.VoiceBridgeLength != 0); err == nil {
			a.VoiceBridgeLength, err = intArg(d, kw, module.MinVoiceBridgeLength, module.MaxVoiceBridgeLength)
		}

	case "server_id_is_hostname":
		if err = seen.check(d, kw, a.ServerIDIsHostname); err == nil {
			a.ServerIDIsHostname, err = flagArg(d, kw)
		}
	case "use_external_voice_bridge":
		if err = seen.check(d, kw, a.UseExternalVoiceBridge); err == nil {
			a.UseExternalVoiceBridge, err = flagArg(d, kw)
		}
	case "get_meetings_disabled":
		if err = seen.check(d, kw, a.GetMeetingsDisabled); err == nil {
			a.GetMeetingsDisabled, err = flagArg(d, kw)
		}

	case "build_number":
		if err = seen.check(d, kw, a.BuildNumber != ""); err == nil {
			a.BuildNumber, err = oneArg(d, kw)
		}

	case "create":
		err = parseParamRules(d, &a.Create)
	case "join":
		err = parseParamRules(d, &a.Join)
	case "recordings":
		err = parseRecordings(d, &a.Recordings)

	case "multitenancy":
		if err = seen.check(d, kw, a.Multitenancy != ""); err != nil {
			return err
		}
		var v string
		if v, err = oneArg(d, kw); err != nil {
			return err
		}
		if err := checkLiteral(d, kw, v, module.CheckDomain); err != nil {
			return err
		}
		a.Multitenancy = lowerLiteral(v)

	case "fsapi":
		err = parseFSAPI(d, &a.FSAPI)

	default:
		return d.Errf("unrecognized bbb option %q", kw)
	}
	return err
}

// parseFSAPI parses the FreeSWITCH endpoint block:
//
//	fsapi {
//		password <password>     # "" disables authentication
//		max_duration <minutes>  # 0 = none
//	}
func parseFSAPI(d *caddyfile.Dispenser, f *module.FSAPIConfig) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	seen := once{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		kw := d.Val()
		switch kw {
		case "password":
			if err := seen.check(d, "fsapi "+kw, f.Password != nil); err != nil {
				return err
			}
			v, err := oneArg(d, kw)
			if err != nil {
				return err
			}
			f.Password = &v
		case "max_duration":
			if err := seen.check(d, "fsapi "+kw, f.MaxDuration != nil); err != nil {
				return err
			}
			n, err := intArg(d, kw, 0, maxInt)
			if err != nil {
				return err
			}
			f.MaxDuration = &n
		default:
			return d.Errf("unrecognized fsapi option %q", kw)
		}
	}
	return nil
}

func checkAlgorithm(v string) error {
	_, err := bbb.ParseAlgorithm(v)
	return err
}

// lowerLiteral lower-cases a literal name (SHA256, BBB.Example.com) but leaves
// a placeholder alone, since {env.X} and {env.x} are different variables.
func lowerLiteral(v string) string {
	if module.HasPlaceholder(v) {
		return v
	}
	return strings.ToLower(v)
}
