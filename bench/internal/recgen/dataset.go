// Package recgen generates the realistic recordings data set the
// getRecordings benchmarks load (bench/recordings through the store,
// bench/recordingsapi through the HTTP API), loads it into a recordings
// store, and sets up the scratch databases they load it into. The same seed
// always gives the same data set, so the two benchmarks measure the same
// rows.
package recgen

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
	// TenantCount is the number of tenants, numbered from 1.
	TenantCount = 4
	// CourseCount is the number of Moodle courses (bbb-context-id 1..CourseCount).
	CourseCount   = 2000
	perMeeting    = 5 // recordings per meeting, on average
	historySpan   = 2 * 365 * 24 * time.Hour
	previewWidth  = 176
	previewHeight = 136
)

var historyEnd = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// Dataset generates recordings and remembers the values to query them by.
type Dataset struct {
	// N is the number of recordings.
	N int
	// Meetings are the meetings the recordings belong to; recording i
	// belongs to Meetings[i%len(Meetings)].
	Meetings []Meeting
	tenanted []int // indexes of the meetings with a tenant
}

// Meeting is one meeting of the data set.
type Meeting struct {
	ID         string // external meeting ID
	InternalID string // what BBB record ids start with
	Tenant     int    // 1..TenantCount; 0 = no tenant
	Origin     string // Greenlight or Moodle
	Course     int    // Moodle only
}

// TenantID returns the id of tenant i, as recordings carry it in their
// tenant-id metadata.
func TenantID(i int) string { return "tenant-" + strconv.Itoa(i) }

// New returns the data set of n recordings for seed.
func New(n int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &Dataset{N: n}
	for i := range max(1, n/perMeeting) {
		m := Meeting{ID: fmt.Sprintf("%03x-%03x-%03x-%03x", rng.IntN(4096), rng.IntN(4096), rng.IntN(4096), i%4096)}
		sum := sha1.Sum([]byte(m.ID + strconv.Itoa(i)))
		m.InternalID = hex.EncodeToString(sum[:])
		// One recording in ten predates multitenancy and has no tenant.
		if rng.IntN(10) > 0 {
			m.Tenant = 1 + rng.IntN(TenantCount)
			d.tenanted = append(d.tenanted, i)
		}
		if rng.IntN(5) < 2 {
			m.Origin, m.Course = "Moodle", 1+rng.IntN(CourseCount)
		} else {
			m.Origin = "Greenlight"
		}
		d.Meetings = append(d.Meetings, m)
	}
	return d
}

// PickMeeting returns the meeting a benchmark asks for in run i. Runs
// stride through the meetings so that no single one stays hot in a cache.
func (d *Dataset) PickMeeting(i int) Meeting { return d.Meetings[(i*7919)%len(d.Meetings)] }

// PickTenantMeeting is PickMeeting among the meetings that have a tenant;
// false when none has one (a data set of a handful of recordings).
func (d *Dataset) PickTenantMeeting(i int) (Meeting, bool) {
	if len(d.tenanted) == 0 {
		return Meeting{}, false
	}
	return d.Meetings[d.tenanted[(i*7919)%len(d.tenanted)]], true
}

// PickCourse returns the Moodle course (bbb-context-id) a benchmark asks
// for in run i.
func PickCourse(i int) string { return strconv.Itoa(1 + (i*131)%CourseCount) }

// Recording returns the i-th recording; the same i always gives the same one.
func (d *Dataset) Recording(i int) store.Recording {
	rng := rand.New(rand.NewPCG(uint64(i), 2))
	m := d.Meetings[i%len(d.Meetings)]
	start := historyEnd.Add(-time.Duration(rng.Int64N(int64(historySpan)))).Truncate(time.Millisecond)
	length := time.Duration(10+rng.IntN(110)) * time.Minute
	recordID := fmt.Sprintf("%s-%d", m.InternalID, start.UnixMilli())

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
		"bbb-origin":         m.Origin,
		"bbb-origin-version": "3.0." + strconv.Itoa(rng.IntN(20)),
		"bbb-recording-name": "Recording " + strconv.Itoa(i),
		"isBreakout":         "false",
	}
	if m.Tenant > 0 {
		meta["tenant-id"] = TenantID(m.Tenant)
		meta["tenant-name"] = "Tenant " + strconv.Itoa(m.Tenant)
	}
	name := "Room " + m.ID
	if m.Origin == "Moodle" {
		meta["bbb-context-id"] = strconv.Itoa(m.Course)
		meta["bbb-context-name"] = "Course " + strconv.Itoa(m.Course)
		meta["bbb-origin-server-name"] = "moodle.example.edu"
		meta["bbb-recording-description"] = "Lecture " + strconv.Itoa(1+rng.IntN(30))
		name = "Course " + strconv.Itoa(m.Course) + " lecture"
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
		MeetingID:    m.ID,
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
