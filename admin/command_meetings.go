package admin

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// meetingRequest is the admin request for one meeting of a tenant.
func meetingRequest(method, id, tenant string) Request {
	r := Request{Method: method, Path: "/bbb/meetings/" + url.PathEscape(id)}
	if tenant != "" {
		r.Query = url.Values{"tenant": {tenant}}
	}
	return r
}

func (c *cli) meetingsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "meetings [--tenant <tenant>] [--server <id>]",
		Short: "Lists and ends live meetings",
		Long:  `Lists and ends the live meetings of the pool. Without a sub-command it lists them.`,
		Args:  c.args(noArgs),
	}
	list := &cobra.Command{
		Use:   "list [--tenant <tenant>] [--server <id>]",
		Short: "Lists the live meetings",
		Args:  c.args(cobra.NoArgs),
	}
	for _, listing := range []*cobra.Command{cmd, list} {
		tenant := listing.Flags().String("tenant", "", "Only the meetings of this tenant (id or name)")
		server := listing.Flags().String("server", "", "Only the meetings on this server")
		listing.RunE = c.run(func(cl *call) error { return c.listMeetings(cl, *tenant, *server) })
	}
	cmd.AddCommand(list, c.meetingsInfoCommand(), c.meetingsEndCommand())
	return cmd
}

func (c *cli) listMeetings(cl *call, tenant, server string) error {
	query := url.Values{}
	if tenant != "" {
		query.Set("tenant", tenant)
	}
	if server != "" {
		query.Set("server", server)
	}
	body, err := cl.client.Do(cl.ctx, Request{Method: http.MethodGet, Path: "/bbb/meetings", Query: query})
	if err != nil {
		return err
	}
	if c.jsonOutput {
		return printJSON(cl.out, body)
	}
	var meetings []Meeting
	if err := decodeAnswer(body, "the meeting list", &meetings); err != nil {
		return err
	}
	return meetingsTable(cl.out, meetings)
}

// meetingsTable prints meetings in the order the admin API lists them.
func meetingsTable(w io.Writer, meetings []Meeting) error {
	rows := make([][]string, len(meetings))
	for i, m := range meetings {
		rows[i] = []string{
			m.ID, orNone(m.Tenant), orNone(m.ServerID), createdText(m.Created), orNone(m.VoiceBridge),
			strconv.Itoa(m.Participants), strconv.Itoa(m.Moderators), strconv.Itoa(m.Videos),
		}
	}
	return writeTable(w, []string{"MEETING ID", "TENANT", "SERVER", "CREATED", "VOICE BRIDGE", "PARTICIPANTS", "MODERATORS", "VIDEOS"}, rows)
}

func (c *cli) meetingsInfoCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "info <meeting-id> [--tenant <tenant>]",
		Short: "Prints one live meeting",
		Args:  c.args(cobra.ExactArgs(1)),
	}
	tenant := cmd.Flags().String("tenant", "", "Tenant of the meeting, id or name (with multitenancy)")
	cmd.RunE = c.run(func(cl *call) error {
		body, err := cl.client.Do(cl.ctx, meetingRequest(http.MethodGet, cl.args[0], *tenant))
		if err != nil {
			return err
		}
		if c.jsonOutput {
			return printJSON(cl.out, body)
		}
		return printSummary(cl.out, body, "meeting "+cl.args[0],
			"id", "tenant", "server_id", "server_url", "created", "voice_bridge", "participants", "moderators", "videos")
	})
	return cmd
}

func (c *cli) meetingsEndCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "end <meeting-id>... [--tenant <tenant>]",
		Short: "Ends live meetings",
		Long: `Ends the given meetings on their servers and forgets them. Asks for
confirmation. Every meeting is tried; the exit status is 1 if any failed.`,
		Args: c.args(cobra.MinimumNArgs(1)),
	}
	tenant := cmd.Flags().String("tenant", "", "Tenant of the meetings, id or name (with multitenancy)")
	cmd.RunE = c.run(func(cl *call) error {
		question := fmt.Sprintf("End %d meeting(s): %s?", len(cl.args), strings.Join(cl.args, ", "))
		if err := c.confirm(cl, question); err != nil {
			return err
		}
		var failed []error
		for _, id := range cl.args {
			body, err := cl.client.Do(cl.ctx, meetingRequest(http.MethodDelete, id, *tenant))
			if err != nil {
				fmt.Fprintf(cl.cmd.ErrOrStderr(), "meeting %s: %v\n", id, err)
				failed = append(failed, fmt.Errorf("meeting %s: %w", id, err))
				continue
			}
			if c.jsonOutput {
				if err := printJSON(cl.out, body); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(cl.out, "OK: meeting %s ended\n", id)
		}
		if len(failed) > 0 {
			return fmt.Errorf("%d of %d meeting(s) not ended: %w", len(failed), len(cl.args), errors.Join(failed...))
		}
		return nil
	})
	return cmd
}

// createdText prints when a meeting was placed, to the second.
func createdText(t time.Time) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}
