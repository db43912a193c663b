/**
 * A short text written for remat, used to train the small GPT example character by character.
 * @module
 */

/** About four kilobytes of plain English prose on memory and recomputation. */
export const CORPUS: string =
  `The lighthouse keeper had a small notebook and a long staircase. Every evening he climbed
the stairs, and on every landing he wrote one word in the notebook, so that in the morning,
walking down, he could remember what he had thought on the way up. The notebook was thin,
and there were many landings, so he could not write everything. He wrote a word on every
fourth landing and trusted himself to think the other thoughts again.

On the way down he stopped at each written word. He read it, climbed back up a few steps in
his mind, and thought the missing thoughts once more, in the same order as before. Because he
thought them in the same order, they came out the same. The notebook stayed thin, the keeper
walked a little more, and nothing he had thought was lost.

A network learns in much the same way. On the way forward each layer turns its input into an
output, and the backward pass needs those outputs again, in reverse order. Keeping all of them
is simple and fast, but the memory fills up long before the network is deep enough. Keeping
none of them is cheap in memory and slow in time, because every output must be made again
from the very first input. Between the two lies a choice: keep a few, remake the rest.

The choice can be made by a rule of thumb or by a careful count. A rule of thumb says keep
one in every few layers. A careful count looks at what each layer costs to run, how much its
output weighs, and how much room there is, and then finds the cheapest way to walk down the
staircase without dropping a single thought. When the layers differ, the careful count wins
by a wide margin; when they are all alike, the rule of thumb is close, and a binomial table
tells exactly how close.

There is one more thing the keeper knew. If a thought depends on the weather, it will not
come out the same on a second try unless the weather is written down too. So he wrote the
weather in the margin, a number for the wind and a number for the rain, and when he thought
again he used those numbers and not the weather outside. Dropout is such a thought: its coin
flips must be the same when a layer runs the second time, or the gradient will be wrong
without anyone noticing.

Memory in a machine is counted in bytes, and the bytes that matter most are the ones that
live the longest. An activation made early and used late holds its room for the whole pass.
A tape of small pieces kept for one backward step holds its room only briefly, yet it can be
the largest thing alive at that moment. To plan well one must know both numbers exactly, not
roughly, and the plan and the run must agree on them to the last byte.

In the morning the keeper came down the stairs with the sun behind him. He read his words,
thought his thoughts again, and put out the lamp. The ships had passed safely. Nobody on them
knew how thin the notebook was, and nobody needed to know. The light had been on all night,
and that was the whole of the job.

Some nights were longer than others. On a long night he wrote fewer words and thought more on
the way down; on a short night he wrote a word on every landing and hardly thought at all. He
kept a table on the wall that said, for each length of night and each size of notebook, how
many extra thoughts the walk would take. He had worked the table out once, with care, and it
had never been wrong.
`;
