package admin

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/caddy-bbb/caddy-bbb/recordings"
)

func (c *cli) recordingsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recordings",
		Short: "Imports recordings and assigns them to tenants",
		Args:  c.args(noArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "import",
			Short: "Scans the spool directory now and prints a summary",
			Long: `Imports the recordings waiting in the spool directory now, as the
importer does when a file lands, and prints a summary once it is done.
The exit status is 1 when a recording failed to import.`,
			Args: c.args(cobra.NoArgs),
			RunE: c.run(func(cl *call) error {
				body, err := cl.client.Do(cl.ctx, Request{Method: http.MethodPost, Path: "/bbb/recordings/import"})
				if err != nil {
					return err
				}
				if c.jsonOutput {
					return printJSON(cl.out, body)
				}
				var summary recordings.ImportSummary
				if err := decodeAnswer(body, "import", &summary); err != nil {
					return err
				}
				return printImportSummary(cl.out, summary)
			}),
		},
		&cobra.Command{
			Use:   "assign-tenant <tenant>",
			Short: "Gives every recording without a tenant to a tenant",
			Long: `Gives every recording that has no tenant to the given tenant (its id or
name), as Scalelite's recordings:addToTenant does when an installation
turns on multitenancy. Prints how many recordings changed.`,
			Args: c.args(cobra.ExactArgs(1)),
			RunE: c.run(func(cl *call) error {
				body, err := cl.client.Do(cl.ctx, Request{
					Method: http.MethodPost, Path: "/bbb/recordings/assign-tenant",
					JSON: map[string]string{"tenant": cl.args[0]},
				})
				if err != nil {
					return err
				}
				if c.jsonOutput {
					return printJSON(cl.out, body)
				}
				var answer struct {
					Assigned int `json:"assigned"`
				}
				if err := decodeAnswer(body, "assign-tenant", &answer); err != nil {
					return err
				}
				_, err = fmt.Fprintf(cl.out, "OK: %d recording(s) assigned to tenant %s\n", answer.Assigned, cl.args[0])
				return err
			}),
		},
	)
	return cmd
}

// printImportSummary prints what an import did, one line per failure. Failures
// make it return an error, so scripts see them in the exit status.
func printImportSummary(w io.Writer, s recordings.ImportSummary) error {
	fmt.Fprintf(w, "imported: %d\n", len(s.Imported))
	for _, id := range s.Imported {
		fmt.Fprintf(w, "  %s\n", id)
	}
	fmt.Fprintf(w, "failed:   %d\n", len(s.Failed))
	for _, f := range s.Failed {
		what := f.File
		if f.Format != "" {
			what += " (" + f.Format + ")"
		}
		next := "moved to the failed folder"
		if f.Retry {
			next = "left in the spool for another try"
		}
		fmt.Fprintf(w, "  %s: %s; %s\n", what, f.Reason, next)
	}
	if _, err := fmt.Fprintf(w, "took:     %s ms\n", formatNumber(s.DurationMS)); err != nil {
		return err
	}
	if len(s.Failed) > 0 {
		files := make([]string, len(s.Failed))
		for i, f := range s.Failed {
			files[i] = f.File
		}
		return fmt.Errorf("%d recording file(s) did not import: %s", len(s.Failed), strings.Join(files, ", "))
	}
	return nil
}
