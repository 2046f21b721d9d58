// Command bbbsim runs a fleet of simulated BigBlueButton servers on loopback
// ports, for trying caddy-bbb out and for benchmarks. It prints one line per
// server (id, API URL, secret), or with -yaml the servers:sync document, and
// optionally registers the servers with a running caddy-bbb through its admin
// API. It runs until SIGINT or SIGTERM.
//
//	bbbsim -n 3
//	bbbsim -n 10 -listen 127.0.0.1:9000 -secret s3cret -yaml > servers.yaml
//	bbbsim -n 3 -register localhost:2019
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"gopkg.in/yaml.v3"

	"github.com/caddy-bbb/caddy-bbb/bbbsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "bbbsim:", err)
		stop()
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	n        int
	secret   string
	listen   string
	version  string
	yaml     bool
	register string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bbbsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.n, "n", 1, "number of simulated servers")
	fs.StringVar(&c.secret, "secret", "", "shared secret of every server (default: a random one per server)")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "address of the first server; port 0 picks free ports, another port counts up from it")
	fs.StringVar(&c.version, "version", "3.0.9", "bbbVersion the servers report")
	fs.BoolVar(&c.yaml, "yaml", false, "print the servers as a servers:sync YAML document instead of one line each")
	fs.StringVar(&c.register, "register", "", "admin `address` of a running caddy-bbb (e.g. localhost:2019) to add and enable the servers at")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.n < 1 {
		return config{}, fmt.Errorf("-n %d: want at least 1", c.n)
	}
	return c, nil
}

// server is one running simulator with the id it is known by.
type server struct {
	id  string
	sim *bbbsim.Sim
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	servers, err := startServers(c)
	defer func() {
		for _, s := range servers {
			if cerr := s.sim.Close(); cerr != nil {
				fmt.Fprintf(stderr, "bbbsim: close %s: %v\n", s.id, cerr)
			}
		}
	}()
	if err != nil {
		return err
	}

	if c.yaml {
		if err := writeYAML(stdout, servers); err != nil {
			return err
		}
	} else {
		for _, s := range servers {
			if _, err := fmt.Fprintf(stdout, "%s %s %s\n", s.id, s.sim.URL(), s.sim.Secret()); err != nil {
				return fmt.Errorf("print servers: %w", err)
			}
		}
	}
	if c.register != "" {
		if err := register(ctx, c.register, servers); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "bbbsim: registered and enabled %d servers at %s\n", len(servers), c.register)
	}

	<-ctx.Done()
	return nil
}

// startServers starts c.n simulators; on error the ones already started are
// returned too, so the caller closes them.
func startServers(c config) ([]server, error) {
	host, portText, err := net.SplitHostPort(c.listen)
	if err != nil {
		return nil, fmt.Errorf("-listen %q: %w", c.listen, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port+c.n-1 > 65535 {
		return nil, fmt.Errorf("-listen %q: port must be 0 or leave room for %d servers", c.listen, c.n)
	}
	var servers []server
	for i := range c.n {
		addr := net.JoinHostPort(host, "0")
		if port != 0 {
			addr = net.JoinHostPort(host, strconv.Itoa(port+i))
		}
		secret := c.secret
		if secret == "" {
			secret = rand.Text()
		}
		sim := bbbsim.New(bbbsim.Options{Secret: secret, Version: c.version, Addr: addr})
		if err := sim.Start(); err != nil {
			return servers, fmt.Errorf("server %d: %w", i+1, err)
		}
		servers = append(servers, server{id: "sim-" + strconv.Itoa(i+1), sim: sim})
	}
	return servers, nil
}

// syncServer is one entry of Scalelite's servers:sync format.
type syncServer struct {
	URL            string  `yaml:"url"`
	Secret         string  `yaml:"secret"`
	Enabled        bool    `yaml:"enabled"`
	LoadMultiplier float64 `yaml:"load_multiplier"`
}

func writeYAML(w io.Writer, servers []server) error {
	doc := struct {
		Servers map[string]syncServer `yaml:"servers"`
	}{Servers: make(map[string]syncServer, len(servers))}
	for _, s := range servers {
		doc.Servers[s.id] = syncServer{URL: s.sim.URL(), Secret: s.sim.Secret(), Enabled: true, LoadMultiplier: 1}
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write yaml: %w", err)
	}
	return nil
}
