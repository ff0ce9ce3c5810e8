import type { ModuleId } from '../events/common.schemas';

export interface TrackModule {
  id: ModuleId;
  title: string;
  /** What a learner can do after the module: the generator's and the tutor's north star. */
  objectives: readonly string[];
}

/** A track is data: an ordered list of modules, each with its learning objectives. */
export interface Track {
  id: string;
  title: string;
  description: string;
  modules: readonly TrackModule[];
}

export const META_SWE: Track = {
  id: 'meta-swe',
  title: 'Meta software engineer coding interviews',
  description:
    'Two 45-minute coding rounds, usually two problems each: clean, working code at a steady pace, talking through trade-offs.',
  modules: [
    {
      id: 'arrays-strings',
      title: 'Arrays and strings',
      objectives: [
        'Traverse and transform arrays and strings in one pass where one pass is enough',
        'Use prefix sums and in-place index tricks to avoid extra passes or memory',
        'Handle empty input, single elements and boundaries without special-case sprawl',
      ],
    },
    {
      id: 'hashing',
      title: 'Hash maps and sets',
      objectives: [
        'Trade memory for time with a map or set, and say when that trade is worth it',
        'Count, group and deduplicate with the right key',
        'Combine prefix state with a map to answer subarray questions in linear time',
      ],
    },
    {
      id: 'two-pointers-sliding-window',
      title: 'Two pointers and sliding window',
      objectives: [
        'Recognise when sorted input or a monotone condition allows two pointers',
        'Grow and shrink a window while keeping its invariant true',
        'Argue why each pointer moves at most n times',
      ],
    },
    {
      id: 'linked-lists',
      title: 'Linked lists',
      objectives: [
        'Rewire pointers without losing nodes, using a dummy head where it simplifies',
        'Use fast and slow pointers for middles, cycles and k-th from the end',
        'Reverse whole lists and segments in place',
      ],
    },
    {
      id: 'stacks-queues',
      title: 'Stacks and queues',
      objectives: [
        'Use a stack for nesting, undo and expression evaluation',
        'Apply monotonic stacks and deques to next-greater and window extremes',
        'Simulate processes with queues in the order events happen',
      ],
    },
    {
      id: 'binary-search',
      title: 'Binary search',
      objectives: [
        'Write an off-by-one-free binary search with a clear loop invariant',
        'Search on the answer when feasibility is monotone',
        'Find boundaries (first and last positions) and search rotated or 2-D data',
      ],
    },
    {
      id: 'trees',
      title: 'Trees',
      objectives: [
        'Choose between DFS (recursive or iterative) and BFS for a tree question',
        'Use BST ordering to prune and to validate',
        'Return several values from a recursion to solve path and subtree problems',
      ],
    },
    {
      id: 'graphs',
      title: 'Graphs',
      objectives: [
        'Model a problem as a graph: nodes, edges, grid neighbours',
        'Apply BFS for shortest unweighted paths and DFS for components and cycles',
        'Order dependencies topologically and find weighted shortest paths with a heap',
      ],
    },
    {
      id: 'heaps',
      title: 'Heaps and priority queues',
      objectives: [
        'Keep the top k of a stream in O(n log k)',
        'Merge sorted sources with a heap',
        'Maintain a running median with two heaps',
      ],
    },
    {
      id: 'intervals-greedy',
      title: 'Intervals and greedy',
      objectives: [
        'Sort intervals by the right key and merge or count overlaps',
        'Sweep events in order to track concurrent resources',
        'Prove a greedy choice with an exchange argument',
      ],
    },
    {
      id: 'backtracking',
      title: 'Backtracking',
      objectives: [
        'Enumerate subsets, permutations and combinations without duplicates',
        'Prune branches early with constraints',
        'Estimate the size of a search space before writing it',
      ],
    },
    {
      id: 'dynamic-programming',
      title: 'Dynamic programming',
      objectives: [
        'Define a state and a recurrence, then fill it top-down or bottom-up',
        'Solve sequence, grid, knapsack and string DP patterns',
        'Reduce memory by keeping only the rows a recurrence needs',
      ],
    },
  ],
};

export const TRACKS: Readonly<Record<string, Track>> = { [META_SWE.id]: META_SWE };

/** The track a request means when it names none. */
export const DEFAULT_TRACK_ID = META_SWE.id;

export function findTrack(id: string): Track | undefined {
  return TRACKS[id];
}
