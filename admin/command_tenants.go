package admin

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// tenantPath is the admin path of one tenant, or of something it has.
func tenantPath(id string, sub ...string) string {
	p := "/bbb/tenants/" + url.PathEscape(id)
	for _, s := range sub {
		p += "/" + s
	}
	return p
}

func (c *cli) tenantsCommand() *cobra.Command {
	list := c.run(c.listTenants)
	cmd := &cobra.Command{
		Use:   "tenants",
		Short: "Lists and manages tenants",
		Long: `Lists and manages the tenants of a multi-tenant load balancer and their
create/join settings. Without a sub-command it lists them; the list shows
how many secrets a tenant has, --json shows them.`,
		Args: c.args(noArgs),
		RunE: list,
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "list",
			Short: "Lists the tenants",
			Args:  c.args(cobra.NoArgs),
			RunE:  list,
		},
		&cobra.Command{
			Use:   "add <name> <secret>...",
			Short: "Adds a tenant and prints its id",
			Args:  c.args(cobra.MinimumNArgs(2)),
			RunE: c.run(func(cl *call) error {
				body := map[string]any{"name": cl.args[0], "secrets": cl.args[1:]}
				resp, err := cl.client.Do(cl.ctx, Request{Method: http.MethodPost, Path: "/bbb/tenants", JSON: body})
				if err != nil {
					return err
				}
				if c.jsonOutput {
					return printJSON(cl.out, resp)
				}
				var t Tenant
				if err := decodeAnswer(resp, "add tenant", &t); err != nil {
					return err
				}
				_, err = fmt.Fprintf(cl.out, "OK\nid: %s\n", t.ID)
				return err
			}),
		},
		c.tenantsUpdateCommand(),
		&cobra.Command{
			Use:   "remove <id>",
			Short: "Removes a tenant and its settings",
			Args:  c.args(cobra.ExactArgs(1)),
			RunE: c.run(func(cl *call) error {
				resp, err := cl.client.Do(cl.ctx, Request{Method: http.MethodDelete, Path: tenantPath(cl.args[0])})
				if err != nil {
					return err
				}
				if c.jsonOutput {
					return printJSON(cl.out, resp)
				}
				_, err = fmt.Fprintf(cl.out, "OK: tenant %s removed\n", cl.args[0])
				return err
			}),
		},
		c.tenantSettingsCommand(),
	)
	return cmd
}

func (c *cli) listTenants(cl *call) error {
	body, err := cl.client.Do(cl.ctx, Request{Method: http.MethodGet, Path: "/bbb/tenants"})
	if err != nil {
		return err
	}
	if c.jsonOutput {
		return printJSON(cl.out, body)
	}
	var tenants []Tenant
	if err := decodeAnswer(body, "the tenant list", &tenants); err != nil {
		return err
	}
	return tenantsTable(cl.out, tenants)
}

func tenantsTable(w io.Writer, tenants []Tenant) error {
	rows := make([][]string, len(tenants))
	for i, t := range tenants {
		rows[i] = []string{t.Name, t.ID, strconv.Itoa(len(t.Secrets))}
	}
	return writeTable(w, []string{"NAME", "ID", "SECRETS"}, rows)
}

func (c *cli) tenantsUpdateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update <id> [--name <name>] [--secret <secret>]...",
		Short: "Renames a tenant or replaces its secrets",
		Long: `Renames a tenant or replaces its secrets: the --secret flags given
become its whole list of secrets.`,
		Args: c.args(cobra.ExactArgs(1)),
	}
	f := cmd.Flags()
	name := f.String("name", "", "New name")
	secrets := f.StringArray("secret", nil, "A secret of the tenant; repeat for several")
	cmd.RunE = c.run(func(cl *call) error {
		body := map[string]any{}
		if f.Changed("name") {
			body["name"] = *name
		}
		if f.Changed("secret") {
			body["secrets"] = *secrets
		}
		if len(body) == 0 {
			return usagef("nothing to update: give --name or --secret")
		}
		resp, err := cl.client.Do(cl.ctx, Request{Method: http.MethodPatch, Path: tenantPath(cl.args[0]), JSON: body})
		if err != nil {
			return err
		}
		if c.jsonOutput {
			return printJSON(cl.out, resp)
		}
		_, err = fmt.Fprintf(cl.out, "OK: tenant %s updated\n", cl.args[0])
		return err
	})
	return cmd
}

func (c *cli) tenantSettingsCommand() *cobra.Command {
	show := c.run(c.showTenantSettings)
	cmd := &cobra.Command{
		Use:   "settings <tenant-id>",
		Short: "Shows and changes a tenant's create/join settings",
		Long: `Shows and changes a tenant's settings: create and join parameters the
tenant sets by default (a request may change them) or overrides (a request
cannot). Without a sub-command it shows them.`,
		Args: c.args(cobra.ExactArgs(1)),
		RunE: show,
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "show <tenant-id>",
			Short: "Shows a tenant's settings",
			Args:  c.args(cobra.ExactArgs(1)),
			RunE:  show,
		},
		c.tenantSettingsSetCommand(),
		&cobra.Command{
			Use:   "clear <tenant-id>",
			Short: "Removes every setting of a tenant",
			Args:  c.args(cobra.ExactArgs(1)),
			RunE: c.run(func(cl *call) error {
				resp, err := cl.client.Do(cl.ctx, Request{Method: http.MethodDelete, Path: tenantPath(cl.args[0], "settings")})
				if err != nil {
					return err
				}
				if c.jsonOutput {
					return printJSON(cl.out, resp)
				}
				_, err = fmt.Fprintf(cl.out, "OK: settings of tenant %s cleared\n", cl.args[0])
				return err
			}),
		},
	)
	return cmd
}

func (c *cli) showTenantSettings(cl *call) error {
	body, err := cl.client.Do(cl.ctx, Request{Method: http.MethodGet, Path: tenantPath(cl.args[0], "settings")})
	if err != nil {
		return err
	}
	if c.jsonOutput {
		return printJSON(cl.out, body)
	}
	var settings []TenantSetting
	if err := decodeAnswer(body, "tenant settings", &settings); err != nil {
		return err
	}
	return settingsTable(cl.out, settings)
}

func settingsTable(w io.Writer, settings []TenantSetting) error {
	rows := make([][]string, len(settings))
	for i, s := range settings {
		kind := "default"
		if s.Override {
			kind = "override"
		}
		rows[i] = []string{s.Param, kind, s.Value}
	}
	return writeTable(w, []string{"PARAM", "KIND", "VALUE"}, rows)
}

func (c *cli) tenantSettingsSetCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set <tenant-id> [--default <param>=<value>]... [--override <param>=<value>]... [--unset <param>]...",
		Short: "Sets or removes some of a tenant's settings",
		Long: `Sets or removes some of a tenant's settings and keeps the others. A
parameter set again replaces its earlier setting, default or override.`,
		Args: c.args(cobra.ExactArgs(1)),
	}
	f := cmd.Flags()
	defaults := f.StringArray("default", nil, "A default, as param=value; repeat for several")
	overrides := f.StringArray("override", nil, "An override, as param=value; repeat for several")
	unset := f.StringArray("unset", nil, "A parameter whose setting is removed; repeat for several")
	cmd.RunE = c.run(func(cl *call) error {
		changes, err := settingChanges(*defaults, *overrides)
		if err != nil {
			return err
		}
		if len(changes) == 0 && len(*unset) == 0 {
			return usagef("nothing to set: give --default, --override or --unset")
		}
		path := tenantPath(cl.args[0], "settings")
		body, err := cl.client.Do(cl.ctx, Request{Method: http.MethodGet, Path: path})
		if err != nil {
			return err
		}
		var current []TenantSetting
		if err := decodeAnswer(body, "tenant settings", &current); err != nil {
			return err
		}
		merged := mergeSettings(current, changes, *unset)
		resp, err := cl.client.Do(cl.ctx, Request{Method: http.MethodPut, Path: path, JSON: merged})
		if err != nil {
			return err
		}
		if c.jsonOutput {
			return printJSON(cl.out, resp)
		}
		return settingsTable(cl.out, merged)
	})
	return cmd
}

// settingChanges parses the param=value flags of settings set.
func settingChanges(defaults, overrides []string) ([]TenantSetting, error) {
	var out []TenantSetting
	for _, group := range []struct {
		flag     string
		values   []string
		override bool
	}{{"default", defaults, false}, {"override", overrides, true}} {
		for _, v := range group.values {
			param, value, ok := strings.Cut(v, "=")
			if !ok || param == "" {
				return nil, usagef("--%s %q: want param=value", group.flag, v)
			}
			out = append(out, TenantSetting{Param: param, Value: value, Override: group.override})
		}
	}
	return out, nil
}

// mergeSettings applies changes and removals to current: one setting per
// parameter, the last given winning, ordered by parameter.
func mergeSettings(current, changes []TenantSetting, unset []string) []TenantSetting {
	byParam := make(map[string]TenantSetting, len(current)+len(changes))
	for _, s := range current {
		byParam[s.Param] = s
	}
	for _, s := range changes {
		byParam[s.Param] = s
	}
	for _, p := range unset {
		delete(byParam, p)
	}
	merged := make([]TenantSetting, 0, len(byParam))
	for _, s := range byParam {
		merged = append(merged, s)
	}
	slices.SortFunc(merged, func(a, b TenantSetting) int { return strings.Compare(a.Param, b.Param) })
	return merged
}
