package reports

import (
	"encoding/xml"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// JUnit XML, the subset CI systems read.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr"`
		Properties []junitProperty `xml:"properties>property"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitFailure `xml:"failure"`
		Error     *junitFailure `xml:"error"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// WriteJUnit writes verdicts as JUnit XML to path: one testsuite per
// scenario run, one testcase per SLO, failed when the SLO failed. A verdict
// without SLOs gets one failing testcase, since it does not pass. The
// suite's properties carry the run id, provider and expected outcome (a
// negative control, expect=fail, shows its SLO failures here as they are).
func WriteJUnit(path string, verdicts []*Verdict) error {
	out := junitSuites{Name: "gatecert"}
	for _, v := range verdicts {
		s := junitSuite{
			Name:      v.Scenario,
			Time:      seconds(v.Duration.D()),
			Timestamp: v.Start.Format(time.RFC3339),
			Properties: []junitProperty{
				{"runId", v.RunID}, {"provider", v.Provider}, {"expect", v.Expect}, {"outcome", string(outcomeOf(v))},
			},
		}
		if o := outcomeOf(v); !o.Judged() {
			// An invalid or interrupted run is an error of the run, not a
			// failure of the stack: CI shows it apart.
			s.Cases = append(s.Cases, junitCase{Name: "outcome", Classname: v.Scenario, Time: s.Time,
				Error: &junitFailure{Message: string(o) + ": " + strings.Join(v.Reasons, "; "), Type: string(o),
					Text: strings.Join(v.Reasons, "\n")}})
		}
		names := map[string]int{}
		for _, r := range v.SLOs {
			name := r.Kind
			if l := WindowLabel(r); l != WindowRun {
				name += " [" + l + "]"
			}
			names[name]++
			if k := names[name]; k > 1 {
				name += "#" + strconv.Itoa(k)
			}
			c := junitCase{Name: name, Classname: v.Scenario, Time: s.Time}
			if !r.Passed {
				c.Failure = &junitFailure{
					Message: fmt.Sprintf("measured %s, threshold %s", r.Measured, r.Threshold),
					Type:    r.Kind,
					Text:    failureText(v, r),
				}
			}
			s.Cases = append(s.Cases, c)
		}
		if len(v.SLOs) == 0 && outcomeOf(v).Judged() {
			s.Cases = append(s.Cases, junitCase{Name: "slos", Classname: v.Scenario, Time: s.Time,
				Failure: &junitFailure{Message: "no SLOs: a run that checks nothing does not pass", Type: "slos"}})
		}
		for _, c := range s.Cases {
			s.Tests++
			if c.Failure != nil {
				s.Failures++
			}
			if c.Error != nil {
				s.Errors++
			}
		}
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Suites = append(out.Suites, s)
	}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	b = append([]byte(xml.Header), append(b, '\n')...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}

// failureText explains a failed SLO in the testcase body.
func failureText(v *Verdict, r SLOResult) string {
	var lines []string
	lines = append(lines, fmt.Sprintf("%s over window %s: measured %s, threshold %s", r.Kind, r.Window, r.Measured, r.Threshold))
	if c := classList(v.Requests.ByClass); c != "" {
		lines = append(lines, "failures by class: "+c)
	}
	if r.FirstFailure != nil {
		lines = append(lines, "first failure: "+describe(r.FirstFailure))
	}
	if r.LastFailure != nil {
		lines = append(lines, "last failure: "+describe(r.LastFailure))
	}
	if r.ActiveFault != "" {
		lines = append(lines, "active fault: "+r.ActiveFault)
	}
	return strings.Join(lines, "\n")
}

// seconds renders d as JUnit's decimal seconds.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
