package admin

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"

	"github.com/spf13/cobra"
)

// serverPath is the admin path of one server, or of one of its actions.
func serverPath(id string, action ...string) string {
	p := "/bbb/servers/" + url.PathEscape(id)
	for _, a := range action {
		p += "/" + a
	}
	return p
}

func (c *cli) serversCommand() *cobra.Command {
	list := c.run(c.listServers)
	cmd := &cobra.Command{
		Use:   "servers",
		Short: "Lists and manages the BBB servers of the pool",
		Long: `Lists and manages the BBB servers of the pool. Without a sub-command it
lists them. The list leaves out the secrets; --json and 'export' show them.`,
		Args: c.args(noArgs),
		RunE: list,
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "list",
			Short: "Lists the servers",
			Args:  c.args(cobra.NoArgs),
			RunE:  list,
		},
		c.serversAddCommand(),
		c.serversUpdateCommand(),
		c.serversRemoveCommand(),
		c.serverStateCommand("enable", "enabled", "Lets a server receive new meetings"),
		c.serverStateCommand("cordon", "cordoned", "Stops new meetings going to a server; its meetings go on"),
		c.serversDisableCommand(),
		c.serversPanicCommand(),
		c.serversSyncCommand(),
		&cobra.Command{
			Use:   "export",
			Short: "Prints the servers as YAML, in the format 'servers sync' reads",
			Args:  c.args(cobra.NoArgs),
			RunE:  c.run(c.exportServers),
		},
	)
	return cmd
}

func (c *cli) listServers(cl *call) error {
	body, err := cl.client.Do(cl.ctx, Request{Method: http.MethodGet, Path: "/bbb/servers"})
	if err != nil {
		return err
	}
	if c.jsonOutput {
		return printJSON(cl.out, body)
	}
	var servers []Server
	if err := decodeAnswer(body, "the server list", &servers); err != nil {
		return err
	}
	return serversTable(cl.out, servers)
}

// serversTable prints servers in the order the admin API lists them (by id).
func serversTable(w io.Writer, servers []Server) error {
	rows := make([][]string, len(servers))
	for i, s := range servers {
		rows[i] = []string{
			s.ID, s.URL, s.State, onlineStatus(s.Online), formatLoad(s.Load), formatNumber(s.LoadMultiplier),
			strconv.Itoa(s.Meetings), strconv.Itoa(s.Users), orNone(s.BBBVersion), orNone(s.Tag),
		}
	}
	return writeTable(w, []string{"ID", "URL", "STATE", "STATUS", "LOAD", "MULTIPLIER", "MEETINGS", "USERS", "BBB VERSION", "TAG"}, rows)
}

func onlineStatus(online bool) string {
	if online {
		return "online"
	}
	return "offline"
}

func (c *cli) serversAddCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add --url <url> --secret <secret> [--load-multiplier <m>] [--tag <tag>] [--id <id>]",
		Short: "Adds a server; it starts disabled and offline",
		Long: `Adds a server. It starts disabled and offline: enable it with
'caddy bbb servers enable <id>', and the next poll brings it online.
Prints OK and the new server's id.`,
		Args: c.args(cobra.NoArgs),
	}
	f := cmd.Flags()
	f.String("url", "", "API base URL, e.g. https://bbb1.example.com/bigbluebutton/api")
	f.String("secret", "", "The server's shared secret")
	f.Float64("load-multiplier", 1, "Weight of the server's load (greater than 0)")
	f.String("tag", "", "Tag that meta_server-tag selects the server by")
	f.String("id", "", "Server id (default: a UUID, or the host name with server_id_is_hostname)")
	cmd.RunE = c.run(func(cl *call) error {
		body := map[string]any{}
		for _, name := range []string{"url", "secret"} {
			v, _ := f.GetString(name)
			if v == "" {
				return usagef("--%s is required", name)
			}
			body[name] = v
		}
		if f.Changed("load-multiplier") {
			body["load_multiplier"], _ = f.GetFloat64("load-multiplier")
		}
		for _, name := range []string{"tag", "id"} {
			if v, _ := f.GetString(name); v != "" {
				body[name] = v
			}
		}
		resp, err := cl.client.Do(cl.ctx, Request{Method: http.MethodPost, Path: "/bbb/servers", JSON: body})
		if err != nil {
			return err
		}
		if c.jsonOutput {
			return printJSON(cl.out, resp)
		}
		var s Server
		if err := decodeAnswer(resp, "add server", &s); err != nil {
			return err
		}
		_, err = fmt.Fprintf(cl.out, "OK\nid: %s\n", s.ID)
		return err
	})
	return cmd
}

func (c *cli) serversUpdateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update <id> [--url <url>] [--secret <secret>] [--load-multiplier <m>] [--tag <tag>]",
		Short: "Changes a server's url, secret, load multiplier or tag",
		Long: `Changes a server's url, secret, load multiplier or tag. Only the flags
given change; --tag "" removes the tag.`,
		Args: c.args(cobra.ExactArgs(1)),
	}
	f := cmd.Flags()
	f.String("url", "", "New API base URL")
	f.String("secret", "", "New shared secret")
	f.Float64("load-multiplier", 1, "New load multiplier (greater than 0)")
	f.String("tag", "", `New tag; "" removes it`)
	cmd.RunE = c.run(func(cl *call) error {
		body := map[string]any{}
		for _, name := range []string{"url", "secret", "tag"} {
			if f.Changed(name) {
				body[name], _ = f.GetString(name)
			}
		}
		if f.Changed("load-multiplier") {
			body["load_multiplier"], _ = f.GetFloat64("load-multiplier")
		}
		if len(body) == 0 {
			return usagef("nothing to update: give --url, --secret, --load-multiplier or --tag")
		}
		resp, err := cl.client.Do(cl.ctx, Request{Method: http.MethodPatch, Path: serverPath(cl.args[0]), JSON: body})
		if err != nil {
			return err
		}
		return c.printServerResult(cl, resp, "updated")
	})
	return cmd
}

// printServerResult reports an action that answered with the server.
func (c *cli) printServerResult(cl *call, resp []byte, done string) error {
	if c.jsonOutput {
		return printJSON(cl.out, resp)
	}
	var s Server
	if err := decodeAnswer(resp, "server "+cl.args[0], &s); err != nil {
		return err
	}
	_, err := fmt.Fprintf(cl.out, "OK: server %s %s (state %s)\n", s.ID, done, s.State)
	return err
}

func (c *cli) serverStateCommand(action, done, short string) *cobra.Command {
	return &cobra.Command{
		Use:   action + " <id>",
		Short: short,
		Args:  c.args(cobra.ExactArgs(1)),
		RunE: c.run(func(cl *call) error {
			resp, err := cl.client.Do(cl.ctx, Request{Method: http.MethodPost, Path: serverPath(cl.args[0], action)})
			if err != nil {
				return err
			}
			return c.printServerResult(cl, resp, done)
		}),
	}
}

// meetingCount returns how many live meetings the pool has bound to a
// server. The bindings, not the server's last poll, are what disable and
// remove end, and they include meetings created since that poll.
func meetingCount(cl *call, id string) (int, error) {
	body, err := cl.client.Do(cl.ctx, Request{
		Method: http.MethodGet, Path: "/bbb/meetings", Query: url.Values{"server": {id}},
	})
	if err != nil {
		return 0, err
	}
	var meetings []Meeting
	if err := decodeAnswer(body, "meetings of server "+id, &meetings); err != nil {
		return 0, err
	}
	return len(meetings), nil
}

func (c *cli) serversDisableCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "disable <id>",
		Short: "Takes a server out of the pool, ending its meetings",
		Long: `Takes a server out of the pool: no new meetings go to it and its
meetings are ended. Asks for confirmation when it has meetings.`,
		Args: c.args(cobra.ExactArgs(1)),
		RunE: c.run(func(cl *call) error {
			id := cl.args[0]
			n, err := meetingCount(cl, id)
			if err != nil {
				return err
			}
			if n > 0 {
				if err := c.confirm(cl, fmt.Sprintf("Server %s has %d meeting(s); disabling it ends them.", id, n)); err != nil {
					return err
				}
			}
			resp, err := cl.client.Do(cl.ctx, Request{Method: http.MethodPost, Path: serverPath(id, "disable")})
			if err != nil {
				return err
			}
			return c.printServerResult(cl, resp, "disabled")
		}),
	}
}

func (c *cli) serversPanicCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "panic <id> [--keep-state]",
		Short: "Ends every meeting of a server at once and disables it",
		Long: `Ends every meeting of a misbehaving server at once and disables it;
--keep-state leaves its state as it is. Asks for confirmation.`,
		Args: c.args(cobra.ExactArgs(1)),
	}
	keepState := cmd.Flags().Bool("keep-state", false, "Leave the server's state as it is")
	cmd.RunE = c.run(func(cl *call) error {
		id := cl.args[0]
		if err := c.confirm(cl, fmt.Sprintf("Panic ends every meeting of server %s.", id)); err != nil {
			return err
		}
		resp, err := cl.client.Do(cl.ctx, Request{
			Method: http.MethodPost, Path: serverPath(id, "panic"),
			JSON: map[string]bool{"keep_state": *keepState},
		})
		if err != nil {
			return err
		}
		return c.printServerResult(cl, resp, "panicked")
	})
	return cmd
}

func (c *cli) serversRemoveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remove <id> [--force]",
		Short: "Removes a server",
		Long: `Removes a server. While it has meetings that is refused, unless --force,
which ends them; --force asks for confirmation.`,
		Args: c.args(cobra.ExactArgs(1)),
	}
	force := cmd.Flags().Bool("force", false, "Remove the server even with meetings, ending them")
	cmd.RunE = c.run(func(cl *call) error {
		id := cl.args[0]
		var query url.Values
		if *force {
			n, err := meetingCount(cl, id)
			if err != nil {
				return err
			}
			// Asked even with no meetings now: one placed meanwhile would
			// be ended too.
			question := fmt.Sprintf("Server %s has %d meeting(s); removing it with --force ends every meeting it has.", id, n)
			if err := c.confirm(cl, question); err != nil {
				return err
			}
			query = url.Values{"force": {"true"}}
		}
		resp, err := cl.client.Do(cl.ctx, Request{Method: http.MethodDelete, Path: serverPath(id), Query: query})
		if err != nil {
			return err
		}
		if c.jsonOutput {
			return printJSON(cl.out, resp)
		}
		var removed struct {
			MeetingsEnded int `json:"meetings_ended"`
		}
		if err := decodeAnswer(resp, "remove server "+id, &removed); err != nil {
			return err
		}
		if removed.MeetingsEnded > 0 {
			_, err = fmt.Fprintf(cl.out, "OK: server %s removed, %d meeting(s) ended\n", id, removed.MeetingsEnded)
			return err
		}
		_, err = fmt.Fprintf(cl.out, "OK: server %s removed\n", id)
		return err
	})
	return cmd
}

// syncModes are the ways sync treats servers missing from the document.
var syncModes = []string{"keep", "cordon", "force"}

func (c *cli) serversSyncCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync <file|-> [--mode keep|cordon|force] [--dry-run]",
		Short: "Makes the pool match a servers document (YAML or JSON)",
		Long: `Makes the pool match a servers document, in the format 'export' prints
(Scalelite's servers:sync format): servers listed are added or updated,
and servers not listed are, by --mode:
  keep    left alone
  cordon  removed if they have no meetings, else cordoned (the default)
  force   removed, ending their meetings (asks for confirmation)
The file is read as JSON when it starts with '{', else as YAML; '-' reads
stdin. --dry-run reports what would change and changes nothing.`,
		Args: c.args(cobra.ExactArgs(1)),
	}
	mode := cmd.Flags().String("mode", "cordon", "What to do with servers not in the document: keep, cordon or force")
	dryRun := cmd.Flags().Bool("dry-run", false, "Report what would change, change nothing")
	cmd.RunE = c.run(func(cl *call) error {
		if !slices.Contains(syncModes, *mode) {
			return usagef("--mode must be keep, cordon or force, not %q", *mode)
		}
		source := cl.args[0]
		doc, err := readDocument(cl, source)
		if err != nil {
			return err
		}
		if *mode == "force" && !*dryRun {
			question := "Sync with --mode force removes every server not in the document, ending its meetings."
			if source == "-" && !c.yes {
				return usagef("%s The document comes from stdin, so confirm with --yes", question)
			}
			if err := c.confirm(cl, question); err != nil {
				return err
			}
		}
		query := url.Values{"mode": {*mode}}
		if *dryRun {
			query.Set("dry_run", "true")
		}
		resp, err := cl.client.Do(cl.ctx, Request{
			Method: http.MethodPut, Path: "/bbb/servers", Query: query,
			Body: doc, ContentType: documentType(doc),
		})
		if err != nil {
			return err
		}
		if c.jsonOutput {
			return printJSON(cl.out, resp)
		}
		if *dryRun {
			fmt.Fprintln(cl.out, "Dry run: nothing was changed. The sync would do this:")
		}
		return printSummary(cl.out, resp, "sync", "added", "updated", "enabled", "cordoned", "removed")
	})
	return cmd
}

// readDocument reads the sync document from a file, or stdin for "-".
func readDocument(cl *call, source string) ([]byte, error) {
	var (
		doc []byte
		err error
	)
	if source == "-" {
		doc, err = io.ReadAll(io.LimitReader(cl.cmd.InOrStdin(), maxResponseBytes))
	} else {
		doc, err = os.ReadFile(source)
	}
	if err != nil {
		return nil, fmt.Errorf("read servers document: %w", err)
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, fmt.Errorf("servers document %s is empty", source)
	}
	return doc, nil
}

// documentType tells JSON from YAML by the first non-blank byte: a JSON
// document is an object, and a YAML one starts with a key or a comment.
func documentType(doc []byte) string {
	if trimmed := bytes.TrimSpace(doc); len(trimmed) > 0 && trimmed[0] == '{' {
		return "application/json"
	}
	return "application/yaml"
}

func (c *cli) exportServers(cl *call) error {
	resp, err := cl.client.Do(cl.ctx, Request{
		Method: http.MethodGet, Path: "/bbb/servers", Query: url.Values{"format": {"yaml"}},
	})
	if err != nil {
		return err
	}
	_, err = cl.out.Write(resp)
	return err
}
