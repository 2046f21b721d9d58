package bbb

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The FreeSWITCH dial-in dialplan: the documents FreeSWITCH's mod_xml_curl
// receives when a caller dials the load balancer's number. A call first gets
// the pin prompt; the digits it collects come back as variable_pin on the
// request that follows the transfer, and that one is answered with a bridge to
// the BBB server running the meeting, or with the prompt again.

// FreeSWITCH sounds and variables the documents use.
const (
	fsWelcomeSound = "ivr/ivr-welcome.wav"
	fsPinSound     = "conference/conf-enter_conf_pin.wav"
	fsBadPinSound  = "conference/conf-bad-pin.wav"
	// fsPinVariable is where play_and_get_digits stores the digits; the
	// next request carries it as variable_pin.
	fsPinVariable = "pin"
	// fsPinRegex is what play_and_get_digits accepts. Scalelite's reprompt
	// emits "d+" by a Ruby escape slip; both documents use the regex meant.
	fsPinRegex = `\d+`
	// Digits play_and_get_digits reads: tries, timeout in ms, terminator.
	fsPinTries      = 3
	fsPinTimeoutMS  = 7000
	fsPinTerminator = "#"
)

// fsDocument is the root of a mod_xml_curl answer.
type fsDocument struct {
	XMLName xml.Name  `xml:"document"`
	Type    string    `xml:"type,attr"`
	Section fsSection `xml:"section"`
}

type fsSection struct {
	Name        string     `xml:"name,attr"`
	Description string     `xml:"description,attr,omitempty"`
	Result      *fsResult  `xml:"result"`
	Context     *fsContext `xml:"context"`
}

type fsResult struct {
	Status string `xml:"status,attr"`
}

type fsContext struct {
	Name      string      `xml:"name,attr"`
	Extension fsExtension `xml:"extension"`
}

type fsExtension struct {
	Name      string      `xml:"name,attr"`
	Condition fsCondition `xml:"condition"`
}

type fsCondition struct {
	Field      string     `xml:"field,attr"`
	Expression string     `xml:"expression,attr"`
	Actions    []fsAction `xml:"action"`
}

type fsAction struct {
	Application string `xml:"application,attr"`
	Data        string `xml:"data,attr,omitempty"`
}

// PinPrompt describes the documents that ask the caller for a pin.
type PinPrompt struct {
	// Destination is the number dialed (Caller-Destination-Number).
	Destination string
	// MinDigits and MaxDigits bound the pin the caller may enter.
	MinDigits, MaxDigits int
	// MaxDuration of the call in minutes; 0 means no limit.
	MaxDuration int
}

// DialInBridge describes the document that connects a caller to a meeting.
type DialInBridge struct {
	// Destination is the number dialed (Caller-Destination-Number).
	Destination string
	// Pin is the pin as the caller dialed it, breakout digit included: the
	// BBB server's own dialplan tells the rooms apart by it.
	Pin string
	// Host is the BBB server's host name or IP address, without port.
	Host string
	// MeetingID is the meeting's ID on the BBB server.
	MeetingID string
	// CallerIDName is the name shown in the meeting; see CallerIDName.
	CallerIDName string
	// MaxDuration of the call in minutes; 0 means no limit.
	MaxDuration int
}

// DialplanReject returns the document that tells FreeSWITCH this request has
// no dialplan here, so it goes on to its other dialplan sources.
func DialplanReject() ([]byte, error) {
	return marshalDialplan(fsDocument{
		Type:    "freeswitch/xml",
		Section: fsSection{Name: "result", Result: &fsResult{Status: "not found"}},
	})
}

// DialplanPinPrompt returns the document that answers a call to Destination,
// welcomes the caller and collects the conference pin, then transfers the
// call to the pin so that the next request carries it.
func DialplanPinPrompt(p PinPrompt) ([]byte, error) {
	actions := []fsAction{{Application: "answer"}}
	actions = append(actions, schedHangup(p.MaxDuration)...)
	actions = append(actions,
		fsAction{Application: "sleep", Data: "500"},
		fsAction{Application: "playback", Data: fsWelcomeSound},
		fsAction{Application: "sleep", Data: "200"},
	)
	actions = append(actions, collectPin(p)...)
	return marshalDialplan(dialplan("Match DID and Pin for Conference", "match_did_and_prompt_for_pin", p.Destination, actions))
}

// DialplanReprompt returns the document for a pin that matches no meeting:
// the caller hears that the pin is wrong and is asked again. It answers the
// call too, which is a no-op after the prompt but lets a call whose pin was
// set by another dialplan hear the prompt.
func DialplanReprompt(p PinPrompt) ([]byte, error) {
	actions := []fsAction{
		{Application: "answer"},
		{Application: "playback", Data: fsBadPinSound},
		{Application: "sleep", Data: "500"},
	}
	actions = append(actions, collectPin(p)...)
	return marshalDialplan(dialplan("Reprompt for Conference Pin", "reprompt_for_pin", p.Destination, actions))
}

// DialplanBridge returns the document that bridges the call to the
// conference of the pin on the meeting's BBB server. It schedules the hangup
// as well, so that the limit also holds for a call whose pin was collected by
// another dialplan; after the prompt the earlier hangup comes first.
func DialplanBridge(b DialInBridge) ([]byte, error) {
	actions := schedHangup(b.MaxDuration)
	actions = append(actions,
		fsAction{Application: "set", Data: "meeting_id=" + EscapeFreeSWITCH(b.MeetingID)},
		fsAction{Application: "set", Data: "effective_caller_id_name=" + EscapeFreeSWITCH(b.CallerIDName)},
		fsAction{Application: "bridge", Data: "sofia/external/" + EscapeFreeSWITCH(b.Pin) + "@" + EscapeFreeSWITCH(sipHost(b.Host))},
	)
	return marshalDialplan(dialplan("Bridge to BBB Server", "bridge_to_bbb_server", b.Destination, actions))
}

// dialplan puts actions in the public context under a condition that matches
// exactly the number dialed.
func dialplan(description, extension, destination string, actions []fsAction) fsDocument {
	return fsDocument{
		Type: "freeswitch/xml",
		Section: fsSection{
			Name:        "dialplan",
			Description: description,
			Context: &fsContext{
				Name: "public",
				Extension: fsExtension{
					Name: extension,
					Condition: fsCondition{
						Field:      "destination_number",
						Expression: "^" + EscapeFreeSWITCH(regexp.QuoteMeta(destination)) + "$",
						Actions:    actions,
					},
				},
			},
		},
	}
}

// collectPin reads the pin into the pin variable and transfers the call to
// it, which makes FreeSWITCH ask for the dialplan again with variable_pin set.
func collectPin(p PinPrompt) []fsAction {
	digits := strings.Join([]string{
		strconv.Itoa(p.MinDigits), strconv.Itoa(p.MaxDigits),
		strconv.Itoa(fsPinTries), strconv.Itoa(fsPinTimeoutMS), fsPinTerminator,
		fsPinSound, fsBadPinSound, fsPinVariable, fsPinRegex,
	}, " ")
	return []fsAction{
		{Application: "play_and_get_digits", Data: digits},
		{Application: "transfer", Data: "${" + fsPinVariable + "} XML public"},
	}
}

// schedHangup limits the call to minutes, or not at all when minutes is 0.
func schedHangup(minutes int) []fsAction {
	if minutes <= 0 {
		return nil
	}
	return []fsAction{{Application: "sched_hangup", Data: fmt.Sprintf("+%d normal_clearing", minutes*60)}}
}

// sipHost writes an IPv6 address in the brackets a SIP URI needs.
func sipHost(host string) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		return "[" + host + "]"
	}
	return host
}

func marshalDialplan(doc fsDocument) ([]byte, error) {
	body, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode dialplan: %w", err)
	}
	return append([]byte(xml.Header), append(body, '\n')...), nil
}

// fsEscaper keeps FreeSWITCH from expanding anything in a value: it expands
// ${...} in application data and reads a backslash as an escape.
var fsEscaper = strings.NewReplacer(`\`, `\\`, `${`, `\${`)

// EscapeFreeSWITCH escapes s for FreeSWITCH's variable expansion, so that a
// caller-supplied value such as "${system(...)}" stays text. XML escaping is
// separate and done by the encoder.
func EscapeFreeSWITCH(s string) string {
	return fsEscaper.Replace(s)
}

// CallerIDUnavailable is the caller name shown when there is none to show.
const CallerIDUnavailable = "Unavailable"

// CallerIDName returns the name a dial-in caller is shown with in the
// meeting, from the Caller-Caller-ID-Name FreeSWITCH sends. A name that is a
// phone number is shown with its last four digits masked (5554321 becomes
// 555XXXX), or not at all when the caller hides the number; any other name is
// shown unless the caller hides the name. Nothing left to show gives
// CallerIDUnavailable.
func CallerIDName(name string, hideNumber, hideName bool) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return CallerIDUnavailable
	case allDigits(name):
		if hideNumber {
			return CallerIDUnavailable
		}
		masked := max(len(name)-4, 0)
		return name[:masked] + strings.Repeat("X", len(name)-masked)
	case hideName:
		return CallerIDUnavailable
	default:
		return name
	}
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsPin reports whether s can be a conference pin: ASCII digits only.
func IsPin(s string) bool { return allDigits(s) }
