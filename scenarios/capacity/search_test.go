package capacity

import (
	"context"
	"slices"
	"testing"
)

// gateway is a synthetic stack that passes every step below its true
// capacity; flaky makes listed rates fail once, like a noisy machine.
type gateway struct {
	capacity  float64
	clientMax float64 // 0: the client never saturates
	flaky     map[float64]int
	failTrial map[float64][]int // these offers (1-based) of a rate fail
	offered   []float64
	offers    map[float64]int
}

func (g *gateway) probe(_ context.Context, rate float64) (Step, error) {
	g.offered = append(g.offered, rate)
	if g.offers == nil {
		g.offers = map[float64]int{}
	}
	g.offers[rate]++
	if slices.Contains(g.failTrial[rate], g.offers[rate]) {
		return Step{Passed: false, Reason: "noise"}, nil
	}
	if g.clientMax > 0 && rate > g.clientMax {
		return Step{Passed: false, ClientSaturated: true, Reason: "send lag"}, nil
	}
	if n := g.flaky[rate]; n > 0 {
		g.flaky[rate] = n - 1
		return Step{Passed: false, Reason: "noise"}, nil
	}
	return Step{Passed: rate <= g.capacity}, nil
}

func TestSearchFindsKneeWithinPrecision(t *testing.T) {
	g := &gateway{capacity: 3300}
	res, err := Search{Start: 500, Max: 100000}.Run(context.Background(), g.probe)
	if err != nil {
		t.Fatal(err)
	}
	if res.LimitedBy != LimitGateway {
		t.Errorf("limited by %q, want gateway", res.LimitedBy)
	}
	if res.Knee > 3300 || res.Knee < 3300*0.95 {
		t.Errorf("knee %.0f, want within 5%% below 3300", res.Knee)
	}
	// ramp 500,1000,2000,4000 then bisection then 1 confirmation: with
	// the bisection's pass, 2 of 3 trials are a decided majority
	if got := g.offered[:4]; got[0] != 500 || got[3] != 4000 {
		t.Errorf("ramp offered %v", got)
	}
	confirms := 0
	for _, s := range res.Steps {
		if s.Phase == "confirm" {
			confirms++
			if s.Rate != res.Knee {
				t.Errorf("confirmed %.0f, knee %.0f", s.Rate, res.Knee)
			}
		}
	}
	if confirms != 1 {
		t.Errorf("%d confirmations, want 1", confirms)
	}
}

// A knee that fails most of its confirmations is not reported: the
// bracket moves down and the search continues.
func TestSearchDoesNotReportAnUnconfirmedKnee(t *testing.T) {
	probeOnce := &gateway{capacity: 3300}
	first, _ := Search{Start: 500, Max: 100000}.Run(context.Background(), probeOnce.probe)
	g := &gateway{capacity: 3300, failTrial: map[float64][]int{first.Knee: {2, 3}}}
	res, err := Search{Start: 500, Max: 100000}.Run(context.Background(), g.probe)
	if err != nil {
		t.Fatal(err)
	}
	if res.Knee >= first.Knee {
		t.Errorf("knee %.0f reported although %.0f failed a confirmation", res.Knee, first.Knee)
	}
	if res.Knee < 3300*0.85 {
		t.Errorf("knee %.0f fell too far", res.Knee)
	}
}

// One unlucky confirmation is outvoted: the knee stays where a majority
// of its trials passed, and the third trial was offered.
func TestSearchKneeSurvivesOneNoisyConfirmation(t *testing.T) {
	first, _ := Search{Start: 500, Max: 100000}.Run(context.Background(), (&gateway{capacity: 3300}).probe)
	g := &gateway{capacity: 3300, failTrial: map[float64][]int{first.Knee: {2}}}
	res, err := Search{Start: 500, Max: 100000}.Run(context.Background(), g.probe)
	if err != nil {
		t.Fatal(err)
	}
	if res.Knee != first.Knee {
		t.Errorf("knee %.0f, want %.0f despite one failed confirmation", res.Knee, first.Knee)
	}
	trials := 0
	for _, st := range res.Steps {
		if st.Rate == first.Knee {
			trials++
		}
	}
	if trials != 3 {
		t.Errorf("%d trials at the knee, want 3 (pass, fail, deciding pass)", trials)
	}
}

// One stalled step far below the knee does not end the ramp: the failure
// is rechecked and outvoted.
func TestSearchRechecksAFailedRampStep(t *testing.T) {
	g := &gateway{capacity: 3300, failTrial: map[float64][]int{500: {1}}}
	res, err := Search{Start: 500, Max: 100000}.Run(context.Background(), g.probe)
	if err != nil {
		t.Fatal(err)
	}
	if res.Knee < 3300*0.95 || res.Knee > 3300 {
		t.Errorf("knee %.0f after one noisy step at 500, want within 5%% below 3300", res.Knee)
	}
	if g.offers[500] != 3 {
		t.Errorf("500 offered %d times, want 3 (fail, pass, deciding pass)", g.offers[500])
	}
}

func TestSearchReportsClientLimit(t *testing.T) {
	g := &gateway{capacity: 50000, clientMax: 2500}
	res, err := Search{Start: 500, Max: 100000}.Run(context.Background(), g.probe)
	if err != nil {
		t.Fatal(err)
	}
	if res.LimitedBy != LimitClient {
		t.Errorf("limited by %q, want client", res.LimitedBy)
	}
	if res.Knee > 2500 {
		t.Errorf("knee %.0f above what the client can offer", res.Knee)
	}
}

// A client that saturates only far above the knee the gateway failed
// does not make the figure a client's.
func TestSearchGatewayLimitDespiteSaturationHigher(t *testing.T) {
	g := &gateway{capacity: 1000, clientMax: 1900}
	res, err := Search{Start: 500, Max: 100000}.Run(context.Background(), g.probe)
	if err != nil {
		t.Fatal(err)
	}
	if res.LimitedBy != LimitGateway {
		t.Errorf("limited by %q, want gateway (the client only saturated at 2000)", res.LimitedBy)
	}
}

func TestSearchMaxRateBudgetAndNone(t *testing.T) {
	res, _ := Search{Start: 500, Max: 2000}.Run(context.Background(), (&gateway{capacity: 1e9}).probe)
	if res.LimitedBy != LimitMax || res.Knee != 2000 {
		t.Errorf("all passing: %+v", res)
	}
	res, _ = Search{Start: 500, Max: 1e6, MaxSteps: 5}.Run(context.Background(), (&gateway{capacity: 3300}).probe)
	if res.LimitedBy != LimitBudget || len(res.Steps) != 5 {
		t.Errorf("budget: limited by %q after %d steps", res.LimitedBy, len(res.Steps))
	}
	// A budget that runs out after client-saturated failures says client.
	res, _ = Search{Start: 500, Max: 1e6, MaxSteps: 5}.Run(context.Background(), (&gateway{capacity: 1e6, clientMax: 3300}).probe)
	if res.LimitedBy != LimitClient || len(res.Steps) != 5 {
		t.Errorf("budget after client saturation: limited by %q after %d steps", res.LimitedBy, len(res.Steps))
	}
	res, _ = Search{Start: 500, Max: 1e6}.Run(context.Background(), (&gateway{capacity: 1}).probe)
	if res.LimitedBy != LimitNone || res.Knee != 0 {
		t.Errorf("nothing passes: %+v", res)
	}
}

func TestSearchRejectsBadBounds(t *testing.T) {
	for _, s := range []Search{{Start: 0, Max: 10}, {Start: 10, Max: 5}, {Start: 1, Max: 5, Factor: 1}} {
		if _, err := s.Run(context.Background(), nil); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

// When the budget ends the search right after a failed confirmation, the
// knee is a rate that passed, not the untested rate below it.
func TestSearchBudgetKneeWasOffered(t *testing.T) {
	first, _ := Search{Start: 500, Max: 1e6}.Run(context.Background(), (&gateway{capacity: 3600}).probe)
	g := &gateway{capacity: 3600, failTrial: map[float64][]int{first.Knee: {2, 3}}} // its confirmations fail
	res, _ := Search{Start: 500, Max: 1e6, MaxSteps: len(first.Steps)}.Run(context.Background(), g.probe)
	offered := false
	for _, st := range res.Steps {
		if st.Rate == res.Knee && st.Passed {
			offered = true
		}
		if !st.Passed && st.Rate <= res.Knee {
			t.Errorf("knee %.0f at or above a failed step at %.0f", res.Knee, st.Rate)
		}
	}
	if res.Knee > 0 && !offered {
		t.Errorf("knee %.0f was never offered and passed (steps %+v)", res.Knee, res.Steps)
	}
}
