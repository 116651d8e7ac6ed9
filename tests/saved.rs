//! A learner's saved world (`hoplab::classroom`): the base scenario plus
//! the journal of their actions, its JSON, restoring it by replay, and the
//! files the page exports and imports.

use hoplab::classroom::saved::{DEFAULT_SEED, SAVED_VERSION};
use hoplab::classroom::{import, scenario_json, Imported, Journal, SavedLesson, SavedState};
use hoplab::sim::limits::MAX_SAVED_STATE_BYTES;
use hoplab::sim::scenario::Scenario;
use hoplab::sim::script::{run_step, Duration, Script, Step};
use hoplab::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
use hoplab::sim::{Request, World};
use hoplab::view::request::Method;

/// Steps as a script writes them.
fn steps(json: &str) -> Vec<Step> {
    Script::from_json(&format!("{{\"steps\": {json}}}"))
        .expect("test steps read")
        .steps
}

/// Act on a world as the page does (each action carried out, then recorded).
fn act(world: &mut World, journal: &mut Journal, actions: &[Step]) {
    for s in actions {
        run_step(world, s, journal.steps.len() + 1).expect("the action is carried out");
        journal.record(s.clone());
    }
}

/// The default world after `json`'s actions, and their journal.
fn acted(json: &str) -> (World, Journal) {
    let (mut world, mut journal) = (World::default_world(), Journal::default());
    act(&mut world, &mut journal, &steps(json));
    (world, journal)
}

fn saved(journal: &Journal) -> SavedState {
    SavedState::new(journal, "client-eu", Method::Post, DEFAULT_URL, None)
}

fn next_trace(world: &mut World) -> String {
    world
        .send(&Request::get(DEFAULT_CLIENT, DEFAULT_URL))
        .render_text()
}

const FAULT_EDIT_ADVANCE: &str = r#"[
    { "request": { "client": "client-na", "url": "https://healthcareapp.com/api/appointments" } },
    { "fault": { "kind": "pod_down", "pod": "pod-a-1" } },
    { "edit": { "kind": "remove_nacl_rule", "nacl": "acl-public-a", "direction": "inbound", "number": 100 } },
    { "advance": 45000 },
    { "burst": { "count": 50, "clients": ["client-na"], "url": "https://healthcareapp.com/" } },
    { "invalidate": "/static/*" },
    { "request": { "client": "client-eu", "url": "https://healthcareapp.com/api/appointments", "method": "POST", "body": "patient=ann&slot=10:30" } },
    { "repair": { "kind": "pod_down", "pod": "pod-a-1" } }
]"#;

#[test]
fn a_saved_world_read_back_gives_an_identical_next_trace() {
    let (mut world, journal) = acted(FAULT_EDIT_ADVANCE);
    let text = saved(&journal).to_json();
    let back = SavedState::from_json(&text).expect("a saved world reads back");
    assert_eq!(back, saved(&journal));
    let mut restored = back.restore().expect("the journal replays");
    assert!(restored == world, "the same world");
    assert_eq!(next_trace(&mut restored), next_trace(&mut world));
}

#[test]
fn a_fault_an_edit_and_time_passing_restore_the_same_live_state() {
    let (world, journal) = acted(
        r#"[ { "fault": { "kind": "az_down", "az": "us-east-1a" } },
                 { "edit": { "kind": "set_subnet_cidr", "subnet": "subnet-app-a1", "cidr": "10.0.10.0/27" } },
                 { "advance": 90000 } ]"#,
    );
    let restored = saved(&journal).restore().unwrap();
    assert_eq!(restored.live_state(), world.live_state());
    assert_eq!(restored.faults(), world.faults());
    assert_eq!(restored.scenario(), world.scenario());
    assert_eq!(restored.now_ms(), 90_000);
}

#[test]
fn a_running_clocks_ticks_are_kept_as_one_advance_that_replays_to_the_same_world() {
    let mut world = World::default_world();
    let mut journal = Journal::default();
    let tick = Step::Advance(Duration::Ms(1_000));
    act(
        &mut world,
        &mut journal,
        &steps(r#"[{ "fault": { "kind": "region_down", "region": "us-east-1" } }]"#),
    );
    for _ in 0..180 {
        act(&mut world, &mut journal, std::slice::from_ref(&tick));
    }
    assert_eq!(journal.steps.len(), 2, "{:?}", journal.steps);
    assert_eq!(journal.steps[1], Step::Advance(Duration::Ms(180_000)));
    let restored = journal.world().unwrap();
    assert!(
        restored == world,
        "one advance of 3 minutes is 180 ticks of a second"
    );
    // A Send between ticks keeps them apart.
    act(
        &mut world,
        &mut journal,
        &steps(
            r#"[{ "request": { "client": "client-na", "url": "https://healthcareapp.com/" } }]"#,
        ),
    );
    act(&mut world, &mut journal, &[tick.clone(), tick]);
    assert_eq!(journal.steps.len(), 4);
    assert_eq!(journal.steps[3], Step::Advance(Duration::Ms(2_000)));
}

#[test]
fn an_unknown_field_is_refused_with_its_name_and_the_one_meant() {
    let text = saved(&Journal::default())
        .to_json()
        .replacen("\"seed\"", "\"sed\":3,\"seed\"", 1);
    let e = SavedState::from_json(&text).unwrap_err();
    assert!(
        e.starts_with("saved world field sed: unknown field `sed` (did you mean `seed`?)"),
        "{e}"
    );
    let text = saved(&Journal::default()).to_json().replacen(
        "\"client\"",
        "\"lesson\":{\"id\":\"dns\",\"step_done\":1},\"client\"",
        1,
    );
    let e = SavedState::from_json(&text).unwrap_err();
    assert!(
        e.starts_with("saved world field lesson.step_done: unknown field `step_done`"),
        "{e}"
    );
}

#[test]
fn a_version_this_hoplab_does_not_read_is_refused_for_its_version() {
    let text = saved(&Journal::default()).to_json().replacen(
        "\"version\":1",
        "\"version\":2,\"new_thing\":true",
        1,
    );
    let e = SavedState::from_json(&text).unwrap_err();
    assert_eq!(
        e,
        format!("saved world field version: version 2 is not one this Hoplab reads (it reads version {SAVED_VERSION})")
    );
}

#[test]
fn a_bad_step_is_refused_with_its_field_path() {
    let mut j = Journal::default();
    j.steps = steps(r#"[{ "advance": "1s" }]"#);
    let text = saved(&j).to_json().replace(
        "{\"advance\":\"1s\"}",
        "{\"advance\":\"1s\"},{\"fault\":{\"kind\":\"pod_dwn\",\"pod\":\"pod-a-1\"}}",
    );
    let e = SavedState::from_json(&text).unwrap_err();
    assert!(e.starts_with("saved world field steps[1].fault"), "{e}");
    assert!(e.contains("did you mean `pod_down`?"), "{e}");
}

#[test]
fn a_step_that_cannot_be_carried_out_refuses_the_whole_world_naming_the_step() {
    let mut j = Journal::default();
    j.steps = steps(
        r#"[ { "advance": "1s" },
             { "edit": { "kind": "remove_nacl_rule", "nacl": "acl-public-a", "direction": "inbound", "number": 100 } },
             { "edit": { "kind": "remove_nacl_rule", "nacl": "acl-public-a", "direction": "inbound", "number": 100 } } ]"#,
    );
    let state =
        SavedState::from_json(&saved(&j).to_json()).expect("it reads: the problem is in replaying");
    let e = state.restore().unwrap_err();
    assert!(e.starts_with("step 3: "), "{e}");
    assert!(e.contains("100"), "{e}");
}

#[test]
fn a_text_over_the_limit_is_refused_with_the_limit_named() {
    let huge = format!(
        "{{\"version\":1,\"url\":\"{}\"}}",
        "x".repeat(MAX_SAVED_STATE_BYTES as usize)
    );
    let e = SavedState::from_json(&huge).unwrap_err();
    assert!(
        e.contains(&format!(
            "more than the limit of {MAX_SAVED_STATE_BYTES} bytes"
        )),
        "{e}"
    );
    assert!(e.len() < 200, "{e}");
}

#[test]
fn a_method_the_request_bar_does_not_send_and_a_client_not_in_the_scenario_are_refused() {
    let text = saved(&Journal::default())
        .to_json()
        .replace("\"POST\"", "\"PATCH\"");
    let e = SavedState::from_json(&text).unwrap_err();
    assert!(
        e.starts_with("saved world field method: 'PATCH' is not a method"),
        "{e}"
    );
    let text = saved(&Journal::default())
        .to_json()
        .replace("\"client-eu\"", "\"client-mars\"");
    let e = SavedState::from_json(&text).unwrap().restore().unwrap_err();
    assert_eq!(
        e,
        "saved world field client: 'client-mars' is not a client of this scenario"
    );
}

#[test]
fn an_imported_scenario_round_trips_through_a_saved_world() {
    let mut s = hoplab::sim::defaults::default_scenario();
    s.name = "Class 3B".into();
    s.regions[0].cluster.pods.truncate(1);
    let Ok(Imported::Scenario(read, _)) = import(&scenario_json(&s)) else {
        panic!("a scenario file imports as a scenario");
    };
    let mut journal = Journal::of_scenario(read.clone());
    let mut world = journal.world().unwrap();
    act(&mut world, &mut journal, &steps(r#"[{ "advance": "2m" }]"#));
    let state = SavedState::new(
        &journal,
        DEFAULT_CLIENT,
        Method::Get,
        DEFAULT_URL,
        Some(SavedLesson {
            id: "dns".into(),
            steps_done: 2,
        }),
    );
    let Ok(Imported::State(back)) = import(&state.to_json()) else {
        panic!("a whole-state file imports as a saved world");
    };
    assert_eq!(back, state);
    let mut restored = back.restore().unwrap();
    assert_eq!(restored.scenario(), &read);
    assert_eq!(restored.scenario().name, "Class 3B");
    assert_eq!(next_trace(&mut restored), next_trace(&mut world));
}

#[test]
fn a_bad_imported_file_is_refused_with_the_field_path() {
    let mut v: serde_json::Value =
        serde_json::from_str(&scenario_json(&hoplab::sim::defaults::default_scenario())).unwrap();
    v["clients"][0]["browser_cache_seconds"] = 60.into();
    let e = import(&v.to_string()).unwrap_err();
    assert!(e.starts_with(
            "scenario field clients[0].browser_cache_seconds: unknown field `browser_cache_seconds`"
        ), "{e}");
    let e = import("not json at all").unwrap_err();
    assert!(e.starts_with("scenario: "), "{e}");
}

#[test]
fn the_scenario_the_page_exports_after_edits_is_read_by_hoplab_cli() {
    let (world, _) = acted(
        r#"[ { "edit": { "kind": "set_subnet_cidr", "subnet": "subnet-app-a1", "cidr": "10.0.10.5/27" } },
                    { "edit": { "kind": "remove_nacl_rule", "nacl": "acl-public-a", "direction": "inbound", "number": 100 } } ]"#,
    );
    let exported = scenario_json(world.scenario());
    let (read, notes) = Scenario::read_file(&exported).expect("the CLI's reader takes it");
    assert_eq!(&read, world.scenario());
    assert!(notes.is_empty(), "{notes:?}");
    // And the CLI itself runs a script on it.
    let dir = std::env::temp_dir().join(format!("hoplab-saved-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (scenario, script) = (dir.join("world.json"), dir.join("script.json"));
    std::fs::write(&scenario, &exported).unwrap();
    std::fs::write(&script, r#"{"steps": [{"request": {"client": "client-na", "url": "https://healthcareapp.com/api/appointments"}}]}"#).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hoplab-cli"))
        .args([
            "run",
            script.to_str().unwrap(),
            "--scenario",
            scenario.to_str().unwrap(),
        ])
        .output()
        .expect("hoplab-cli runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
}

#[test]
fn the_revision_is_read_without_the_rest_and_only_from_a_saved_world() {
    let mut s = saved(&Journal::default());
    s.revision = 7;
    assert_eq!(SavedState::revision_of(&s.to_json()), Some(7));
    assert_eq!(SavedState::revision_of("{\"name\": \"a scenario\"}"), None);
    assert_eq!(SavedState::revision_of("garbage"), None);
    assert_eq!(Journal::default().seed, DEFAULT_SEED);
}
