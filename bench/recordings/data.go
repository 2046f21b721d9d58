package main

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// The data set imitates a busy multi-tenant installation: a few tenants,
// meetings recorded several times, Greenlight and Moodle front-ends, and
// formats with previews, over two years.
const (
	tenantCount   = 4
	courseCount   = 2000 // Moodle courses (bbb-context-id)
	perMeeting    = 5    // recordings per meeting, on average
	historySpan   = 2 * 365 * 24 * time.Hour
	previewWidth  = 176
	previewHeight = 136
)

var historyEnd = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// dataset generates recordings and remembers values to query by.
type dataset struct {
	n        int
	meetings []meeting
}

type meeting struct {
	id         string // external meeting ID
	internalID string // what BBB record ids start with
	tenant     int    // 0 = no tenant
	origin     string
	course     int // Moodle only
}

func tenantID(i int) string { return "tenant-" + strconv.Itoa(i) }

func newDataset(n int, seed uint64) *dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &dataset{n: n}
	for i := range max(1, n/perMeeting) {
		m := meeting{id: fmt.Sprintf("%03x-%03x-%03x-%03x", rng.IntN(4096), rng.IntN(4096), rng.IntN(4096), i%4096)}
		sum := sha1.Sum([]byte(m.id + strconv.Itoa(i)))
		m.internalID = hex.EncodeToString(sum[:])
		// One recording in ten predates multitenancy and has no tenant.
		if rng.IntN(10) > 0 {
			m.tenant = 1 + rng.IntN(tenantCount)
		}
		if rng.IntN(5) < 2 {
			m.origin, m.course = "Moodle", 1+rng.IntN(courseCount)
		} else {
			m.origin = "Greenlight"
		}
		d.meetings = append(d.meetings, m)
	}
	return d
}

// recording returns the i-th recording; the same i always gives the same one.
func (d *dataset) recording(i int) store.Recording {
	rng := rand.New(rand.NewPCG(uint64(i), 2))
	m := d.meetings[i%len(d.meetings)]
	start := historyEnd.Add(-time.Duration(rng.Int64N(int64(historySpan)))).Truncate(time.Millisecond)
	length := time.Duration(10+rng.IntN(110)) * time.Minute
	recordID := fmt.Sprintf("%s-%d", m.internalID, start.UnixMilli())

	state := "published"
	switch p := rng.IntN(100); {
	case p < 10:
		state = "unpublished"
	case p < 13:
		state = "processing"
	case p < 15:
		state = "deleted"
	}
	meta := map[string]string{
		"bbb-origin":         m.origin,
		"bbb-origin-version": "3.0." + strconv.Itoa(rng.IntN(20)),
		"bbb-recording-name": "Recording " + strconv.Itoa(i),
		"isBreakout":         "false",
	}
	if m.tenant > 0 {
		meta["tenant-id"] = tenantID(m.tenant)
		meta["tenant-name"] = "Tenant " + strconv.Itoa(m.tenant)
	}
	name := "Room " + m.id
	if m.origin == "Moodle" {
		meta["bbb-context-id"] = strconv.Itoa(m.course)
		meta["bbb-context-name"] = "Course " + strconv.Itoa(m.course)
		meta["bbb-origin-server-name"] = "moodle.example.edu"
		meta["bbb-recording-description"] = "Lecture " + strconv.Itoa(1+rng.IntN(30))
		name = "Course " + strconv.Itoa(m.course) + " lecture"
	} else {
		meta["gl-listed"] = strconv.FormatBool(rng.IntN(2) == 0)
		meta["bbb-origin-server-name"] = "greenlight.example.com"
		meta["bbb-origin-server-common-name"] = "Greenlight"
	}

	formats := []store.PlaybackFormat{{
		Format: "presentation",
		URL:    "/playback/presentation/2.3/" + recordID,
		Length: int(length / time.Minute),
	}}
	for p := range 3 + rng.IntN(4) {
		formats[0].Previews = append(formats[0].Previews, store.Preview{
			URL:   fmt.Sprintf("/presentation/%s/presentation/d%d/thumbnails/thumb-%d.png", recordID, p, p+1),
			Width: previewWidth, Height: previewHeight, Alt: "Slide " + strconv.Itoa(p+1),
		})
	}
	extra := rng.IntN(3) // 0–2 more formats
	if extra >= 1 {
		formats = append(formats, store.PlaybackFormat{Format: "video", URL: "/playback/video/" + recordID + "/", Length: int(length / time.Minute)})
	}
	if extra >= 2 {
		formats = append(formats, store.PlaybackFormat{Format: "podcast", URL: "/podcast/" + recordID + "/audio.ogg", Length: int(length / time.Minute)})
	}
	return store.Recording{
		RecordID:     recordID,
		MeetingID:    m.id,
		Name:         name,
		Published:    state == "published",
		State:        state,
		Participants: 2 + rng.IntN(60),
		StartTime:    start,
		EndTime:      start.Add(length),
		Metadata:     meta,
		Formats:      formats,
	}
}
