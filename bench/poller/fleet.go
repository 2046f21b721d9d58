package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// fleet is many simulated BBB servers served from a few loopback listeners,
// each simulator under its own path prefix, so a thousand servers need a
// handful of listening sockets rather than a thousand.
type fleet struct {
	sims    []*bbbsim.Sim
	urls    []string
	servers []*http.Server
	done    []chan struct{}
}

func serverID(i int) string { return fmt.Sprintf("bbb%04d", i) }

// startFleet starts n simulators spread over listeners listeners.
func startFleet(n, listeners int) (*fleet, error) {
	f := &fleet{}
	muxes := make([]*http.ServeMux, listeners)
	addrs := make([]string, listeners)
	for i := range listeners {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			f.close()
			return nil, fmt.Errorf("listen: %w", err)
		}
		muxes[i] = http.NewServeMux()
		addrs[i] = ln.Addr().String()
		srv := &http.Server{Handler: muxes[i], ReadHeaderTimeout: 10 * time.Second}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				fmt.Printf("serve %s: %v\n", ln.Addr(), err)
			}
		}()
		f.servers = append(f.servers, srv)
		f.done = append(f.done, done)
	}
	for i := range n {
		sim := bbbsim.New(bbbsim.Options{Secret: "secret-" + strconv.Itoa(i), Version: "3.0.9"})
		prefix := "/" + serverID(i)
		muxes[i%listeners].Handle(prefix+"/", http.StripPrefix(prefix, sim))
		f.sims = append(f.sims, sim)
		f.urls = append(f.urls, "http://"+addrs[i%listeners]+prefix+bbbsim.APIPath)
	}
	return f, nil
}

func (f *fleet) close() {
	for _, s := range f.servers {
		s.Close()
	}
	for _, d := range f.done {
		<-d
	}
	for _, s := range f.sims {
		s.Close()
	}
}

// clearRequests empties the simulators' request logs, which would otherwise
// grow with every cycle and distort the memory figures.
func (f *fleet) clearRequests() {
	for _, s := range f.sims {
		s.ClearRequests()
	}
}

// populate gives every simulator meetings: a mix of sizes, a fifth of them
// younger than the join buffer, one in ten with a breakout room, every one
// tagged with one of a few tenants. Each meeting is bound in the store, as
// create would have done.
func (f *fleet) populate(ctx context.Context, live store.Live, perServer int, rng *rand.Rand) (bound int, err error) {
	now := time.Now()
	for i, sim := range f.sims {
		id := serverID(i)
		if err := live.AddServer(ctx, store.Server{ID: id, URL: f.urls[i], Secret: sim.Secret(),
			State: store.StateEnabled, LoadMultiplier: 1}); err != nil {
			return bound, fmt.Errorf("add server %s: %w", id, err)
		}
		for j := range perServer {
			tenant := "tenant-" + strconv.Itoa(rng.IntN(4))
			mid := fmt.Sprintf("%s-room%02d", id, j)
			created := now.Add(-time.Duration(rng.IntN(180)) * time.Minute)
			breakout := j%10 == 9
			m := bbb.Meeting{
				MeetingID:  mid,
				CreateTime: created.UnixMilli(),
				Metadata: bbb.Metadata{
					{Key: "bbb-origin", Value: "Greenlight"},
					{Key: bbb.MetaTenantID, Value: tenant},
				},
			}
			if breakout {
				m.IsBreakout, m.ParentMeetingID = true, fmt.Sprintf("%s-room%02d", id, j-1)
			}
			if _, err := sim.AddMeeting(m); err != nil {
				return bound, err
			}
			users := 2 + rng.IntN(24)
			if err := sim.SetUsers(mid, users, 1+rng.IntN(2), rng.IntN(users/2+1)); err != nil {
				return bound, err
			}
			if breakout {
				continue // breakout rooms are BBB's, never bound
			}
			_, _, err := live.BindMeeting(ctx, store.Meeting{
				Tenant: tenant, ID: mid, ServerID: id, CreatedAt: created, ExpectedLoad: 15,
			}, []string{fmt.Sprintf("%05d", bound)})
			if err != nil {
				return bound, fmt.Errorf("bind %s: %w", mid, err)
			}
			bound++
		}
	}
	return bound, nil
}
