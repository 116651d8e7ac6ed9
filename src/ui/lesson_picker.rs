//! The lesson picker: the header's "Lessons" and "Sandbox" buttons, and the
//! list of lessons (title, level, minutes, topics, progress; where to start;
//! the challenges marked) they open.

use leptos::prelude::*;

use super::lesson_state::use_lessons;
use crate::view::lesson::progress_text;

stylance::import_crate_style!(style, "src/ui/lesson_picker.module.css");

/// "Lessons" (opens the list) and "Sandbox" (leaves the lesson), for the header.
#[component]
pub fn LessonButtons() -> impl IntoView {
    let lessons = use_lessons();
    let in_lesson = move || lessons.open.get().is_some();
    view! {
        <div class=style::buttons role="group" aria-label="Lessons or sandbox">
            <button
                type="button"
                data-testid="lessons-button"
                aria-pressed=move || (in_lesson() || lessons.picker.get()).to_string()
                aria-expanded=move || lessons.picker.get().to_string()
                on:click=move |_| lessons.picker.update(|p| *p = !*p)
            >
                "Lessons"
            </button>
            <button
                type="button"
                data-testid="sandbox-button"
                aria-pressed=move || (!in_lesson() && !lessons.picker.get()).to_string()
                title="the free playground: your own world, no goals"
                on:click=move |_| lessons.close()
            >
                "Sandbox"
            </button>
        </div>
    }
}

/// The list of lessons, over the app while it is open.
#[component]
pub fn LessonPicker() -> impl IntoView {
    let lessons = use_lessons();
    let rows = move || {
        lessons.cards.with(|all| {
            all.iter()
                .flatten()
                .enumerate()
                .map(|(i, l)| {
                    let id = l.id.clone();
                    let total = l.steps;
                    let id2 = id.clone();
                    let progress = move || {
                        lessons
                            .progress
                            .with(|p| (p.done_count(&id2, total), p.complete(&id2, total)))
                    };
                    let progress2 = progress.clone();
                    let open_id = id.clone();
                    let topics = l.topics.join(", ");
                    let requires = (!l.requires.is_empty())
                        .then(|| format!("after {}", l.requires.join(", ")));
                    view! {
                        <li
                            class=style::row
                            data-testid=format!("lesson-{id}")
                            data-challenge=l.challenge.to_string()
                            data-complete=move || progress2().1.to_string()
                        >
                            <button
                                type="button"
                                class=style::open
                                data-testid=format!("open-lesson-{id}")
                                on:click=move |_| lessons.open_lesson(&open_id)
                            >
                                <span class=style::titleLine>
                                    <span class=style::title>{l.title.clone()}</span>
                                    {(i == 0).then(|| view! { <span class=style::start>"start here"</span> })}
                                    {l.challenge.then(|| view! { <span class=style::challenge>"challenge"</span> })}
                                </span>
                                <span class=style::summary>{l.summary.clone()}</span>
                                <span class=style::meta>
                                    <span>{l.level.as_str()}</span>
                                    <span>{format!("{} min", l.minutes)}</span>
                                    <span>{format!("{total} steps")}</span>
                                    {(!topics.is_empty()).then(|| view! { <span>{topics}</span> })}
                                    {requires.map(|r| view! { <span>{r}</span> })}
                                </span>
                            </button>
                            <span class=style::progress data-testid="lesson-row-progress">
                                {move || {
                                    let (done, _) = progress();
                                    progress_text(done, total)
                                }}
                            </span>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <Show when=move || lessons.picker.get()>
            <div class=style::backdrop on:click=move |_| lessons.picker.set(false)></div>
            <div
                class=style::dialog
                role="dialog"
                aria-modal="false"
                aria-labelledby="lesson-picker-title"
                data-testid="lesson-picker"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        lessons.picker.set(false);
                    }
                }
            >
                <div class=style::head>
                    <h2 class=style::heading id="lesson-picker-title">"Lessons"</h2>
                    <button
                        type="button"
                        class=style::close
                        aria-label="close the lesson list"
                        title="close"
                        on:click=move |_| lessons.picker.set(false)
                    >
                        "×"
                    </button>
                </div>
                {move || {
                    lessons
                        .notice
                        .get()
                        .map(|n| view! { <p class=style::notice role="alert" data-testid="lesson-notice">{n}</p> })
                }}
                <p class=style::intro>
                    "Each lesson starts from its own world and checks your goals as you act. The "
                    <strong>"Sandbox"</strong>
                    " is the free playground. Progress is kept in this browser."
                </p>
                {move || {
                    (lessons.loading.get() && lessons.cards.with(|c| c.is_none()))
                        .then(|| view! { <p class=style::intro role="status" data-testid="lessons-loading">"Loading the lessons\u{2026}"</p> })
                }}
                <ol class=style::list>{rows}</ol>
                {move || {
                    let broken = lessons.broken.get();
                    (!broken.is_empty()).then(|| {
                        view! {
                            <details class=style::broken>
                                <summary>{format!("{} lesson file(s) could not be read", broken.len())}</summary>
                                <ul>{broken.iter().map(|b| view! { <li>{b.clone()}</li> }).collect_view()}</ul>
                            </details>
                        }
                    })
                }}
            </div>
        </Show>
    }
}
