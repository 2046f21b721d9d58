package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// SyncMode says what Sync does with the servers a document does not list.
type SyncMode string

// The sync modes.
const (
	// SyncKeep leaves unlisted servers alone.
	SyncKeep SyncMode = "keep"
	// SyncCordon removes unlisted servers that have no meetings and cordons
	// the others, so they drain and the poller disables them.
	SyncCordon SyncMode = "cordon"
	// SyncForce removes unlisted servers, ending their meetings.
	SyncForce SyncMode = "force"
)

// ParseSyncMode reads a mode; "" means SyncCordon, Scalelite's default.
func ParseSyncMode(s string) (SyncMode, error) {
	switch m := SyncMode(s); m {
	case "":
		return SyncCordon, nil
	case SyncKeep, SyncCordon, SyncForce:
		return m, nil
	}
	return "", invalidf("invalid sync mode %q: want keep, cordon or force", s)
}

// SyncReport tells what a sync did, or with DryRun what it would do. Each
// list holds server ids in order and is never nil.
type SyncReport struct {
	Mode   SyncMode `json:"mode"`
	DryRun bool     `json:"dry_run"`
	// Added are the servers the document brought in.
	Added []string `json:"added"`
	// Updated are existing servers whose url, secret, load multiplier or
	// tag changed.
	Updated []string `json:"updated"`
	// Enabled are the servers that became enabled, new ones included.
	Enabled []string `json:"enabled"`
	// Cordoned are the servers that became cordoned: listed with
	// enabled false while enabled, or unlisted with meetings in cordon mode.
	Cordoned []string `json:"cordoned"`
	// Removed are the unlisted servers taken out of the pool.
	Removed []string `json:"removed"`
	// MeetingsEnded counts the meetings of removed servers that were ended.
	MeetingsEnded int `json:"meetings_ended"`
}

// Empty reports whether the sync changed, or would change, nothing.
func (r SyncReport) Empty() bool {
	return len(r.Added)+len(r.Updated)+len(r.Enabled)+len(r.Cordoned)+len(r.Removed) == 0
}

// Sync makes the pool match doc, as Scalelite's servers:sync does: listed
// servers are added or updated and enabled or cordoned as the document says;
// unlisted ones are handled by mode. With dryRun it writes nothing and
// reports what it would do. A failure stops the sync and returns what was
// done up to it.
func (p *Pool) Sync(ctx context.Context, doc SyncDocument, mode SyncMode, dryRun bool) (SyncReport, error) {
	if _, err := ParseSyncMode(string(mode)); err != nil {
		return SyncReport{}, err
	}
	report := SyncReport{
		Mode: mode, DryRun: dryRun,
		Added: []string{}, Updated: []string{}, Enabled: []string{}, Cordoned: []string{}, Removed: []string{},
	}
	current, err := p.live.Servers(ctx)
	if err != nil {
		return report, fmt.Errorf("sync: list servers: %w", err)
	}
	byID := make(map[string]store.Server, len(current))
	for _, s := range current {
		byID[s.ID] = s
	}

	ids := make([]string, 0, len(doc.Servers))
	for id := range doc.Servers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		want := doc.Servers[id]
		cur, ok := byID[id]
		if !ok {
			if err := p.syncAdd(ctx, id, want, dryRun, &report); err != nil {
				return report, err
			}
			continue
		}
		if err := p.syncUpdate(ctx, cur, want, dryRun, &report); err != nil {
			return report, err
		}
	}
	if mode == SyncKeep {
		return report, nil
	}
	for _, cur := range current {
		if _, listed := doc.Servers[cur.ID]; listed {
			continue
		}
		if err := p.syncUnlisted(ctx, cur, mode, dryRun, &report); err != nil {
			return report, err
		}
	}
	return report, nil
}

func (p *Pool) syncAdd(ctx context.Context, id string, want SyncServer, dryRun bool, report *SyncReport) error {
	state := store.StateDisabled
	if want.Enabled {
		state = store.StateEnabled
	}
	if !dryRun {
		s := store.Server{
			ID: id, URL: want.URL, Secret: want.Secret, Tag: want.Tag,
			State: state, LoadMultiplier: want.LoadMultiplier,
		}
		if err := p.live.AddServer(ctx, s); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("sync: server %q was added meanwhile: %w", id, store.ErrConflict)
			}
			return fmt.Errorf("sync: add server %s: %w", id, err)
		}
		p.log.Info("server added by sync", zap.String("server", id), zap.String("state", string(state)))
	}
	report.Added = append(report.Added, id)
	if want.Enabled {
		report.Enabled = append(report.Enabled, id)
	}
	return nil
}

func (p *Pool) syncUpdate(ctx context.Context, cur store.Server, want SyncServer, dryRun bool, report *SyncReport) error {
	changed := cur.URL != want.URL || cur.Secret != want.Secret ||
		cur.LoadMultiplier != want.LoadMultiplier || cur.Tag != want.Tag
	state := syncState(cur.State, want.Enabled)
	if !changed && state == cur.State {
		return nil
	}
	if !dryRun {
		up := ServerUpdate{URL: &want.URL, Secret: &want.Secret, LoadMultiplier: &want.LoadMultiplier, Tag: &want.Tag}
		_, err := p.live.UpdateServer(ctx, cur.ID, func(s *store.Server) error {
			applyUpdate(s, up)
			s.State = syncState(s.State, want.Enabled)
			return nil
		})
		if err != nil {
			return notFoundAs(err, fmt.Errorf("sync: server %q was removed meanwhile: %w", cur.ID, store.ErrConflict),
				"sync: update server "+cur.ID)
		}
		p.log.Info("server updated by sync", zap.String("server", cur.ID), zap.String("state", string(state)))
	}
	if changed {
		report.Updated = append(report.Updated, cur.ID)
	}
	switch {
	case state == cur.State:
	case state == store.StateEnabled:
		report.Enabled = append(report.Enabled, cur.ID)
	case state == store.StateCordoned:
		report.Cordoned = append(report.Cordoned, cur.ID)
	}
	return nil
}

// syncState is the state a listed server gets: enabled when the document
// enables it; cordoned when the document does not and it was enabled, so its
// meetings drain instead of ending; otherwise as it was.
func syncState(cur store.ServerState, enabled bool) store.ServerState {
	switch {
	case enabled:
		return store.StateEnabled
	case cur == store.StateEnabled:
		return store.StateCordoned
	}
	return cur
}

func (p *Pool) syncUnlisted(ctx context.Context, cur store.Server, mode SyncMode, dryRun bool, report *SyncReport) error {
	meetings, err := p.live.Meetings(ctx, store.MeetingFilter{ServerID: cur.ID, AnyTenant: true})
	if err != nil {
		return fmt.Errorf("sync: list meetings of server %s: %w", cur.ID, err)
	}
	if mode == SyncCordon && len(meetings) > 0 {
		if cur.State == store.StateCordoned {
			return nil
		}
		if !dryRun {
			if _, err := p.CordonServer(ctx, cur.ID); err != nil {
				return fmt.Errorf("sync: %w", err)
			}
		}
		report.Cordoned = append(report.Cordoned, cur.ID)
		return nil
	}
	ended := len(meetings)
	if !dryRun {
		if ended, err = p.syncRemove(ctx, cur); err != nil {
			return err
		}
	}
	report.Removed = append(report.Removed, cur.ID)
	report.MeetingsEnded += ended
	return nil
}

// syncRemove removes an unlisted server. In cordon mode it has no meetings;
// in force mode it is cordoned first, so no meeting lands on it while its
// meetings are ended. The store drops the server with whatever bindings it
// still has in one step, and those meetings are ended too.
func (p *Pool) syncRemove(ctx context.Context, cur store.Server) (int, error) {
	if _, err := p.CordonServer(ctx, cur.ID); err != nil {
		return 0, fmt.Errorf("sync: %w", err)
	}
	ended, err := p.endServerMeetings(ctx, cur)
	if err != nil {
		return 0, fmt.Errorf("sync: %w", err)
	}
	late, err := p.live.DeleteServer(ctx, cur.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return len(ended), fmt.Errorf("sync: remove server %s: %w", cur.ID, err)
	}
	p.endMeetings(ctx, cur, late)
	p.log.Info("server removed by sync", zap.String("server", cur.ID), zap.Int("meetings_ended", len(ended)+len(late)))
	return len(ended) + len(late), nil
}

// Export returns the pool as a servers document; syncing it back changes
// nothing. A cordoned or disabled server is written with enabled false.
func (p *Pool) Export(ctx context.Context) (SyncDocument, error) {
	servers, err := p.Servers(ctx)
	if err != nil {
		return SyncDocument{}, fmt.Errorf("export: %w", err)
	}
	doc := SyncDocument{Servers: make(map[string]SyncServer, len(servers))}
	for _, s := range servers {
		doc.Servers[s.ID] = SyncServer{
			URL: s.URL, Secret: s.Secret, Enabled: s.State == store.StateEnabled,
			LoadMultiplier: s.LoadMultiplier, Tag: s.Tag,
		}
	}
	return doc, nil
}
