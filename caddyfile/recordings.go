package caddyfile

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/caddy-bbb/caddy-bbb/module"
)

// parseRecordings parses the recordings block:
//
//	recordings {
//		disabled [true|false]
//		spool_dir <dir>
//		work_dir <dir>
//		publish_dir <dir>
//		unpublish_dir <dir>
//		import_unpublished [true|false]
//		playback_formats <format>...
//		filtered [true|false]
//		protected [true|false]
//		token_timeout <duration>
//		cookie_timeout <duration>
//		cookie_secret <secret>
//		not_found_page <file>
//	}
func parseRecordings(d *caddyfile.Dispenser, r *module.RecordingsConfig) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	seen := once{}
	dir := func(kw string, dst *string) error {
		if err := seen.check(d, "recordings "+kw, *dst != ""); err != nil {
			return err
		}
		v, err := oneArg(d, kw)
		if err != nil {
			return err
		}
		if v == "" {
			return d.Errf("recordings %s: empty path", kw)
		}
		*dst = v
		return nil
	}
	flag := func(kw string, dst *bool) error {
		if err := seen.check(d, "recordings "+kw, *dst); err != nil {
			return err
		}
		v, err := flagArg(d, kw)
		*dst = v
		return err
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		kw := d.Val()
		var err error
		switch kw {
		case "disabled":
			err = flag(kw, &r.Disabled)
		case "import_unpublished":
			err = flag(kw, &r.ImportUnpublished)
		case "filtered":
			err = flag(kw, &r.Filtered)
		case "protected":
			err = flag(kw, &r.Protected)
		case "spool_dir":
			err = dir(kw, &r.SpoolDir)
		case "work_dir":
			err = dir(kw, &r.WorkDir)
		case "publish_dir":
			err = dir(kw, &r.PublishDir)
		case "unpublish_dir":
			err = dir(kw, &r.UnpublishDir)
		case "playback_formats":
			var args []string
			if args, err = someArgs(d, kw); err != nil {
				return err
			}
			for _, f := range args {
				if err := checkLiteral(d, "recordings playback_formats", f, module.CheckPlaybackFormat); err != nil {
					return err
				}
			}
			r.PlaybackFormats = append(r.PlaybackFormats, args...)
		case "token_timeout":
			if err = seen.check(d, "recordings "+kw, r.TokenTimeout != 0); err == nil {
				r.TokenTimeout, err = durationArg(d, kw)
			}
		case "cookie_timeout":
			if err = seen.check(d, "recordings "+kw, r.CookieTimeout != 0); err == nil {
				r.CookieTimeout, err = durationArg(d, kw)
			}
		case "cookie_secret":
			if err = seen.check(d, "recordings "+kw, r.CookieSecret != ""); err == nil {
				r.CookieSecret, err = oneArg(d, kw)
			}
		case "not_found_page":
			if err = seen.check(d, "recordings "+kw, r.NotFoundPage != ""); err == nil {
				r.NotFoundPage, err = oneArg(d, kw)
			}
		default:
			return d.Errf("unrecognized recordings option %q", kw)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
