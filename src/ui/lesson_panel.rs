//! The lesson panel beside the diagram: the step's text, the prediction
//! asked before the learner acts, each goal with whether it holds now
//! (re-evaluated by the engine after every action), hints one at a time,
//! the explanation once the goals are met, and the buttons that move on,
//! show the solution or start the lesson again.
//!
//! Lesson text is Markdown, turned into blocks by `crate::view::lesson` when
//! the lesson bundle is written, and into elements here: never HTML strings.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::lesson_state::use_lessons;
use super::split;
use crate::lesson::{Lesson, Predict};
use crate::view::lesson::{
    prediction_verdict, progress_text, resumed_note, step_heading, Block, Inline,
};

stylance::import_crate_style!(style, "src/ui/lesson_panel.module.css");

/// Lesson Markdown as elements.
#[component]
pub fn Markdown(text: String) -> impl IntoView {
    blocks_view(use_lessons().blocks(&text))
}

fn blocks_view(blocks: Vec<Block>) -> AnyView {
    blocks.into_iter().map(block_view).collect_view().into_any()
}

fn block_view(b: Block) -> AnyView {
    match b {
        Block::Paragraph(i) => view! { <p>{inlines_view(i)}</p> }.into_any(),
        Block::Heading(level, i) => match level {
            1 | 2 => view! { <h3>{inlines_view(i)}</h3> }.into_any(),
            _ => view! { <h4>{inlines_view(i)}</h4> }.into_any(),
        },
        Block::List { start: None, items } => view! {
            <ul>{items.into_iter().map(|item| view! { <li>{blocks_view(item)}</li> }).collect_view()}</ul>
        }
        .into_any(),
        Block::List {
            start: Some(n),
            items,
        } => view! {
            <ol start=n.to_string()>
                {items.into_iter().map(|item| view! { <li>{blocks_view(item)}</li> }).collect_view()}
            </ol>
        }
        .into_any(),
        Block::Code(t) => view! { <pre class=style::code><code>{t}</code></pre> }.into_any(),
        Block::Quote(b) => view! { <blockquote>{blocks_view(b)}</blockquote> }.into_any(),
        Block::Rule => view! { <hr/> }.into_any(),
    }
}

fn inlines_view(items: Vec<Inline>) -> AnyView {
    items.into_iter().map(inline_view).collect_view().into_any()
}

fn inline_view(i: Inline) -> AnyView {
    match i {
        Inline::Text(t) => t.into_any(),
        Inline::Code(t) => view! { <code>{t}</code> }.into_any(),
        Inline::Strong(c) => view! { <strong>{inlines_view(c)}</strong> }.into_any(),
        Inline::Emphasis(c) => view! { <em>{inlines_view(c)}</em> }.into_any(),
        Inline::Link {
            href: Some(href),
            children,
        } => view! {
            <a href=href target="_blank" rel="noopener noreferrer">{inlines_view(children)}</a>
        }
        .into_any(),
        Inline::Link {
            href: None,
            children,
        } => view! { <span>{inlines_view(children)}</span> }.into_any(),
        Inline::Break => view! { <br/> }.into_any(),
    }
}

/// The panel, shown while a lesson is open.
#[component]
pub fn LessonPanel() -> impl IntoView {
    let lessons = use_lessons();
    view! {
        <Show when=move || lessons.open.get().is_some()>
            <aside class=style::panel aria-label="Lesson" data-testid="lesson-panel">
                {move || {
                    lessons
                        .open
                        .get()
                        .map(|_| split::show(lesson_step(), |make| make()))
                }}
            </aside>
        </Show>
    }
}

split::part!(
    lessons,
    /// An open lesson's step: in the hosted build, a file downloaded when a
    /// lesson first opens.
    fn lesson_step() -> fn() -> AnyView {
        || view! { <StepView/> }.into_any()
    }
);

#[component]
fn StepView() -> impl IntoView {
    let lessons = use_lessons();
    let Some(lesson) = lessons.lesson_untracked() else {
        return ().into_any();
    };
    let total = lesson.steps.len();
    let step = Memo::new(move |_| lessons.session.with(|s| s.as_ref().map_or(0, |s| s.step())));
    let done = Memo::new(move |_| {
        lessons
            .session
            .with(|s| s.as_ref().is_some_and(|s| s.step_done()))
    });
    let steps = StoredValue::new(lesson.steps.clone());
    let cur = move || steps.with_value(|s| s.get(step.get()).cloned());

    // When the goals are met, the explanation scrolls into the panel's view.
    let body = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if !done.get() {
            return;
        }
        let Some(body) = body.get() else { return };
        if let Ok(Some(el)) = body.query_selector("[data-testid=\"explanation\"]") {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                body.set_scroll_top(el.offset_top() - 8);
            }
        }
    });

    view! {
        <StepHead lesson=lesson step=step done=done/>
        <div class=style::body node_ref=body>
            {move || {
                let n = lessons.resumed.get();
                (n > 0 && step.get() == n).then(|| view! {
                    <p class=style::resumed role="status" data-testid="lesson-resumed">
                        {resumed_note(n)}
                        " "
                        <button type="button" class=style::startOver data-testid="start-over" on:click=move |_| lessons.reset()>"Start over"</button>
                    </p>
                })
            }}
            <div class=style::text data-testid="lesson-text">
                {move || cur().map(|s| view! { <Markdown text=s.text.clone()/> })}
            </div>
            {move || {
                cur()
                    .and_then(|s| s.predict)
                    .map(|p| view! { <PredictQuestion predict=p done=done/> })
            }}
            <GoalList/>
            {move || {
                if !done.get() {
                    return None;
                }
                let s = cur()?;
                Some(view! { <Explanation text=s.explanation step=step total=total/> })
            }}
            {move || {
                let s = cur()?;
                let shown = lessons.hints.get().min(s.hints.len());
                Some(view! { <Hints hints=s.hints shown=shown/> })
            }}
            {move || {
                lessons
                    .error
                    .get()
                    .map(|e| view! { <p class="input-error" role="alert" data-testid="lesson-error">{e}</p> })
            }}
        </div>
        <StepActions done=done/>
    }
    .into_any()
}

/// The lesson's kind, level, progress and title, the step's heading and
/// one dot per step.
#[component]
fn StepHead(lesson: Lesson, step: Memo<usize>, done: Memo<bool>) -> impl IntoView {
    let lessons = use_lessons();
    let total = lesson.steps.len();
    let progress = {
        let id = lesson.id.clone();
        move || {
            lessons
                .progress
                .with(|p| progress_text(p.done_count(&id, total), total))
        }
    };
    view! {
        <div class=style::head>
            <p class=style::kicker>
                {if lesson.challenge { "Challenge" } else { "Lesson" }}
                " · "
                {lesson.level.as_str()}
                " · "
                <span data-testid="lesson-progress">{progress}</span>
            </p>
            <h2 class=style::title data-testid="lesson-title">{lesson.title.clone()}</h2>
            <div class=style::stepRow>
                <span class=style::stepHeading data-testid="lesson-step">{move || step_heading(step.get(), total)}</span>
                <ol class=style::dots aria-hidden="true">
                    {(0..total)
                        .map(|i| {
                            view! {
                                <li
                                    class=style::dot
                                    data-state=move || {
                                        if i < step.get() || (i == step.get() && done.get()) {
                                            "done"
                                        } else if i == step.get() {
                                            "current"
                                        } else {
                                            "todo"
                                        }
                                    }
                                ></li>
                            }
                        })
                        .collect_view()}
                </ol>
            </div>
        </div>
    }
}

/// The question asked before the learner acts, its choices and, once the
/// goals are met, whether the pick was right.
#[component]
fn PredictQuestion(predict: Predict, done: Memo<bool>) -> impl IntoView {
    let lessons = use_lessons();
    let choices = predict.choice_texts();
    let question = predict.question.clone();
    let verdict = move || {
        if !done.get() {
            return None;
        }
        let answer = lessons.answer.get()?;
        Some(prediction_verdict(lessons.picked.get().as_deref(), &answer))
    };
    let right = move || {
        lessons
            .answer
            .get()
            .is_some_and(|a| lessons.picked.get().as_deref() == Some(a.as_str()))
    };
    view! {
        <fieldset class=style::predict data-testid="predict">
            <legend class=style::subhead>"Predict first"</legend>
            <p class=style::question>{question}</p>
            <div class=style::choices role="radiogroup">
                {choices
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| view! { <PredictChoice index=i choice=c done=done/> })
                    .collect_view()}
            </div>
            {move || {
                (!done.get() && lessons.picked.get().is_none())
                    .then(|| view! { <p class=style::muted>"Pick an answer, then act in the app."</p> })
            }}
            {move || {
                verdict()
                    .map(|v| {
                        view! {
                            <p
                                class=style::verdict
                                data-testid="predict-verdict"
                                data-right=move || right().to_string()
                                role="status"
                            >
                                {v}
                            </p>
                        }
                    })
            }}
        </fieldset>
    }
}

/// One answer of the prediction, as a radio button.
#[component]
fn PredictChoice(index: usize, choice: String, done: Memo<bool>) -> impl IntoView {
    let lessons = use_lessons();
    let c2 = choice.clone();
    let c3 = choice.clone();
    view! {
        <label class=style::choice>
            <input
                type="radio"
                name="lesson-predict"
                value=choice.clone()
                data-testid=format!("predict-choice-{index}")
                disabled=move || done.get()
                prop:checked=move || lessons.picked.get().as_deref() == Some(c2.as_str())
                on:change=move |_| lessons.picked.set(Some(c3.clone()))
            />
            <span>{choice}</span>
        </label>
    }
}

/// Each goal of the step with whether it holds now.
#[component]
fn GoalList() -> impl IntoView {
    let lessons = use_lessons();
    let goals = Memo::new(move |_| {
        lessons.session.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.goals()
                        .into_iter()
                        .map(|g| (g.label, g.met))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    view! {
        <section class=style::goals aria-label="Goals">
            <h3 class=style::subhead>"Goals"</h3>
            <ul class=style::goalList data-testid="goals" aria-live="polite">
                {move || {
                    goals
                        .get()
                        .into_iter()
                        .map(|(label, met)| {
                            view! {
                                <li class=style::goal data-testid="goal" data-met=met.to_string()>
                                    <span class=style::mark aria-hidden="true">{if met { "✓" } else { "○" }}</span>
                                    <span>{label}</span>
                                    <span class="visually-hidden">{if met { " (met)" } else { " (not met yet)" }}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}

/// The hints shown so far and the button that shows one more.
#[component]
fn Hints(hints: Vec<String>, shown: usize) -> impl IntoView {
    let lessons = use_lessons();
    let count = hints.len();
    view! {
        <section class=style::hints aria-label="Hints">
            <ol class=style::hintList>
                {hints
                    .into_iter()
                    .take(shown)
                    .map(|h| view! { <li data-testid="hint"><Markdown text=h/></li> })
                    .collect_view()}
            </ol>
            <button
                type="button"
                data-testid="show-hint"
                disabled={ shown >= count }
                on:click=move |_| lessons.show_hint()
            >
                {if shown == 0 {
                    "Show a hint".to_string()
                } else if shown < count {
                    format!("Show another hint ({shown} of {count})")
                } else {
                    "No more hints".to_string()
                }}
            </button>
        </section>
    }
}

/// Why the goals hold, shown once they are met, with the way on: the next
/// step, or at the end the next lesson.
#[component]
fn Explanation(text: String, step: Memo<usize>, total: usize) -> impl IntoView {
    let lessons = use_lessons();
    let last = move || step.get() + 1 >= total;
    view! {
        <section class=style::explanation data-testid="explanation" aria-label="Why">
            <h3 class=style::subhead>"Goals met — why"</h3>
            <Markdown text=text/>
            {move || {
                if !last() {
                    view! {
                        <button class="primary" type="button" data-testid="next-step" on:click=move |_| lessons.next_step()>
                            "Next step"
                        </button>
                    }
                        .into_any()
                } else {
                    view! { <LessonComplete next=lessons.next_lesson_id()/> }.into_any()
                }
            }}
        </section>
    }
}

/// The end of the lesson: the next lesson, or back to the picker after the
/// last one.
#[component]
fn LessonComplete(next: Option<String>) -> impl IntoView {
    let lessons = use_lessons();
    view! {
        <p class=style::complete data-testid="lesson-complete">"Lesson complete."</p>
        {match next {
            Some(next) => view! {
                <button
                    class="primary"
                    type="button"
                    data-testid="next-lesson"
                    on:click=move |_| lessons.open_lesson(&next)
                >
                    "Next lesson"
                </button>
            }
                .into_any(),
            None => view! {
                <button type="button" data-testid="next-lesson" on:click=move |_| lessons.picker.set(true)>
                    "Back to the lessons"
                </button>
            }
                .into_any(),
        }}
    }
}

/// The buttons under the step: its solution, and starting the lesson again.
#[component]
fn StepActions(done: Memo<bool>) -> impl IntoView {
    let lessons = use_lessons();
    view! {
        <div class=style::actions>
            <button
                type="button"
                data-testid="show-solution"
                title="apply this step's solution to the lesson's world"
                disabled=move || done.get()
                on:click=move |_| lessons.show_solution()
            >
                "Show solution"
            </button>
            <button type="button" data-testid="reset-lesson" on:click=move |_| lessons.reset()>
                "Reset lesson"
            </button>
        </div>
    }
}
